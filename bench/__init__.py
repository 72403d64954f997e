"""`make bench`: the five services as real processes under generated load, measured."""
