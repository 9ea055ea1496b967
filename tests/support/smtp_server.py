"""An SMTP server for avain's mail tests: aiosmtpd on loopback.

Usage: smtp_server.py PORT FOLDER

Each accepted message is written to FOLDER/NNNN.eml (envelope recipients in
FOLDER/NNNN.rcpt). Before answering DATA the server reads FOLDER/mode:
  ok        accept (250)
  421       refuse for now (transient)
  550       refuse for good (permanent)
  hang      accept the data, then never answer (the client must time out)
The test changes the mode while the server runs.
"""
import asyncio
import os
import sys

from aiosmtpd.controller import Controller


class Handler:
    def __init__(self, folder):
        self.folder = folder
        self.count = 0

    def mode(self):
        try:
            with open(os.path.join(self.folder, "mode")) as f:
                return f.read().strip() or "ok"
        except FileNotFoundError:
            return "ok"

    async def handle_DATA(self, server, session, envelope):
        mode = self.mode()
        if mode == "421":
            return "421 4.3.2 Try again later, test server busy"
        if mode == "550":
            return "550 5.1.1 No such mailbox here"
        if mode == "hang":
            await asyncio.sleep(3600)
        self.count += 1
        base = os.path.join(self.folder, f"{self.count:04d}")
        with open(base + ".eml.tmp", "wb") as f:
            f.write(envelope.original_content)
        with open(base + ".rcpt", "w") as f:
            f.write("\n".join(envelope.rcpt_tos))
        os.replace(base + ".eml.tmp", base + ".eml")
        return f"250 2.0.0 Ok: queued as TEST{self.count:04d}"


def main():
    port, folder = int(sys.argv[1]), sys.argv[2]
    controller = Controller(Handler(folder), hostname="127.0.0.1", port=port)
    controller.start()
    with open(os.path.join(folder, "ready"), "w") as f:
        f.write("ready")
    try:
        asyncio.get_event_loop().run_forever()
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
