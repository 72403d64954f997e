"""The gateway's keyset cursors: the kit's, which lead-verifier's pages use too."""

from service_kit.cursors import After, decode, encode, page, position

__all__ = ["After", "decode", "encode", "page", "position"]
