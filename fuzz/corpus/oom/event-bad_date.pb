
ev-1	
ev-1t2
HUNHungary2c:
rome_statute
2023-02-29"D
Q7747"
head_of_state"
2000-05-07*
ICC
2023-03-17outstanding*
HUNBudapestdateline2
warrant_exposure *m:
2026-11-28B
2025-04-03H€Ì£É