# server/: the modeld daemon
