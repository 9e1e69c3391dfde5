"""Engines: plain classes doing the addon's long work (no model here); models and crons call them."""
