
abt