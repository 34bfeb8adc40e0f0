
id-1surrogate í €