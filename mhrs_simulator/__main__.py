"""python -m mhrs_simulator --host 127.0.0.1 --port 8070 [--state FILE] [--seed-demo]"""

import argparse
import logging
import signal
import sys

from .demo import seed_demo
from .server import SimulatorServer


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="mhrs_simulator", description="Stand-alone MHRS simulator (REST MHRS V2 and SOAP G2)"
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8070)
    parser.add_argument("--state", metavar="FILE", help="load state from FILE and save changes to it (JSON)")
    parser.add_argument("--seed-demo", action="store_true", help="seed the demo institution 1234567")
    parser.add_argument(
        "--check-responses", action="store_true", help="validate own G2 answers against the G2 schema (debug)"
    )
    parser.add_argument(
        "--g2-namespace", help="target namespace of the G2 SOAP service (default: the public placeholder)"
    )
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    server = SimulatorServer(
        args.host,
        args.port,
        state_file=args.state,
        check_responses=args.check_responses,
        g2_namespace=args.g2_namespace,
    )
    if args.seed_demo:
        seed_demo(server.simulator)
    # SIGTERM (make stop, kill PID) ends like Ctrl-C, so --state is saved.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    server.start()
    print(
        f"MHRS simulator on {server.base_url}: MHRS V2 REST under {server.base_url}/api/rs/, "
        f"SOAP G2 at {server.g2_url} (WSDL {server.g2_url}?wsdl), control {server.control_url}",
        flush=True,
    )
    try:
        server.serve_forever()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
