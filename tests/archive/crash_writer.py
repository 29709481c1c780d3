"""Child process of test_crash.py: appends turns from several threads until killed.

Prints ``ACK <conversation> <text> <seq>`` after each append has returned — the moment
a channel would acknowledge the turn to its sender.
"""

import sys
import threading

from archive import Archive, TurnIn


def main(url: str, writers: int) -> None:
    archive = Archive(url)
    lock = threading.Lock()

    def write(n: int) -> None:
        i = 0
        while True:
            i += 1
            text = f"mesajul-{i}-șț"
            stored = archive.append(TurnIn(f"conv-{n}", "citizen", text))
            with lock:
                sys.stdout.write(f"ACK conv-{n} {text} {stored.seq}\n")
                sys.stdout.flush()

    threads = [threading.Thread(target=write, args=(n,), daemon=True) for n in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
