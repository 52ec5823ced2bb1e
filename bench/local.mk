# bench/
include bench/bundle.mk
include bench/nn.mk
include bench/math.mk
include bench/rest.mk
include bench/grpc.mk
include bench/featcol.mk
include bench/train.mk
