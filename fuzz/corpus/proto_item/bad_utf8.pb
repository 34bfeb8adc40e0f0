
id-1bad ÿş utf-8