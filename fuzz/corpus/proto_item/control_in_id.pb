
abt