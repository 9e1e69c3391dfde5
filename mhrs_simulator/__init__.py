"""A stand-alone, stateful MHRS simulator (WSGI SOAP service) for the PRSC_AR001001TR01 contract.

Independent of the addon on purpose: it must catch the addon's mistakes, not repeat them.
``Simulator`` is the state + logic (no HTTP); ``mhrs_simulator.server.SimulatorServer`` serves it.
"""

from .logic import OPERATIONS, Simulator

__all__ = ["OPERATIONS", "Simulator"]
