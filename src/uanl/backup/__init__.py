"""Database backups (`uanl backup`, `uanl restore`, the daily beat task) and retention."""
