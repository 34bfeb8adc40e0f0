
 932885c98e32c8621dbdb3fea27b4ce1https://example.org/aPutin in Budapest""BUDAPEST - Vladimir Putin arrived.*s0 ÷óÆ:Example@€Ì£ÉJenRg-1Z	A. WriterZBbworldbeurope