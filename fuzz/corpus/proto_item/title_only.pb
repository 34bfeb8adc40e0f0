
id-1Only a title, café