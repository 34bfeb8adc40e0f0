
 f24755a0205c04a99cf1437822e5ba59·
 f24755a0205c04a99cf1437822e5ba59https://example.org/2Putin visits Mongolia"YULAANBAATAR - Vladimir Putin arrived in Ulaanbaatar; Mongolian and Russian officials met.0€„Û¶@€Ì£É·
MNGMongolia (2:š
rome_statute
2000-12-29"ratification*
2002-04-112
2002-07-01RVhttps://treaties.un.org/Pages/ViewDetails.aspx?src=TREATY&mtdsg_no=XVIII-10&chapter=18—
RUSRussia Z2:€
rome_statute
2000-09-13J
2016-11-30RVhttps://treaties.un.org/Pages/ViewDetails.aspx?src=TREATY&mtdsg_no=XVIII-10&chapter=18"Ã
Q7747Vladimir PutinRUS"5
head_of_stateRUSPresident of Russia"
2012-05-07*l
ICC
2023-03-17outstanding"	ICC-01/22*Ahttps://www.icc-cpi.int/ukraine (ICC press release of 2023-03-17)0*
MNGUlaanbaatardateline2Ü
warrant_exposureQ7747MNG *¹Vladimir Putin, subject of an ICC arrest warrant issued 2023-03-17 (ICC-01/22), is reported in Mongolia, a State Party to the Rome Statute obliged to arrest and surrender (arts. 86, 89):
2026-11-28B
2024-09-03H€Ì£É