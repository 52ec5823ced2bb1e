# loader/savedmodel.mk
