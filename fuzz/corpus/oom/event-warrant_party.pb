
 8f604948e6dd84578ec7a9641680769b¤
 8f604948e6dd84578ec7a9641680769bhttps://example.org/1Netanyahu lands in Budapest"@BUDAPEST (Reuters) - Benjamin Netanyahu met Hungarian officials.0€€¹¿@€Ì£Éµ
HUNHungary (2:š
rome_statute
1999-01-15"ratification*
2001-11-302
2002-07-01RVhttps://treaties.un.org/Pages/ViewDetails.aspx?src=TREATY&mtdsg_no=XVIII-10&chapter=18"Ô
Q43723Benjamin NetanyahuISR"?
head_of_governmentISRPrime Minister of Israel"
2022-12-29*n
ICC
2024-11-21outstanding"	ICC-01/18*Chttps://www.icc-cpi.int/palestine (ICC press release of 2024-11-21)0*
HUNBudapestdateline2à
warrant_exposureQ43723HUN *¼Benjamin Netanyahu, subject of an ICC arrest warrant issued 2024-11-21 (ICC-01/18), is reported in Hungary, a State Party to the Rome Statute obliged to arrest and surrender (arts. 86, 89):
2026-11-28B
2025-04-03H€Ì£É