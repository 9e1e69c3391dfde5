"""A stand-alone, stateful MHRS simulator (WSGI service) speaking the real MHRS interfaces: REST MHRS V2
and SOAP G2.

Independent of the addon on purpose: it must catch the addon's mistakes, not repeat them.
``Simulator`` is the state + logic (no HTTP); ``mhrs_simulator.server.SimulatorServer`` serves it.
"""

from .logic import OPERATIONS, Simulator

__all__ = ["OPERATIONS", "Simulator"]
