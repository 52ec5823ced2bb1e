
"serve"gpu*	
k2m
"serve*	
k1m
"it's*	
k3m