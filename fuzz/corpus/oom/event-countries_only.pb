
 e8550f7d84d6a59c56fb4a21fe1fe7bdŽ
 e8550f7d84d6a59c56fb4a21fe1fe7bdhttps://example.org/3Armenia and Azerbaijan talk**Talks in Yerevan and Baku; Burundi absent.0¤É”´@€Ì£É³
ARMArmenia(2:š
rome_statute
1999-10-01"ratification*
2023-11-142
2024-02-01RVhttps://treaties.un.org/Pages/ViewDetails.aspx?src=TREATY&mtdsg_no=XVIII-10&chapter=18…
AZE
Azerbaijan (2:h
rome_statuteRVhttps://treaties.un.org/Pages/ViewDetails.aspx?src=TREATY&mtdsg_no=XVIII-10&chapter=18¾
BDIBurundi 82:¦
rome_statute"ratification*
2004-09-212
2004-12-01:
2016-10-27B
2017-10-27RVhttps://treaties.un.org/Pages/ViewDetails.aspx?src=TREATY&mtdsg_no=XVIII-10&chapter=18:
2026-11-28B
2024-07-03H€Ì£É