#!/usr/bin/env python3
"""MLLP load for tests/load/compare-builds.sh: sends distinct ADT^A01 + ADT^A08 pairs (fictional people, one per
pair, senders ADT_NIM/ADT_MCQ of config/senders.json, the shape of the tests' AdtMessages.A01) over CONNS MLLP
connections, one message in flight per connection (send, wait for the ACK), a person's two messages on the same
connection in order. Exits 1 unless every ACK is AA.
Usage: mllp-send.py HOST PORT MESSAGES CONNECTIONS RUN_PREFIX FIRST_PERSON
Prints: "<messages> <seconds until the last ACK>"."""
import socket, sys, threading, time

host, port, n, conns, prefix, first = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], int(sys.argv[6])
people = n // 2


def person(k):
    k += first
    site = "NIM" if k % 2 == 0 else "MCQ"
    # Unique RAMQ number per person: four letters, YYMMDD (month + 50 for women), two digits.
    yy, mm, dd = 40 + k // (12 * 28), 1 + (k // 28) % 12, 1 + k % 28
    sex = "F" if k % 3 == 0 else "M"
    ramq = f"BENC{yy:02d}{mm + (50 if sex == 'F' else 0):02d}{dd:02d}{k % 100:02d}"
    birth = f"19{yy:02d}{mm:02d}{dd:02d}"
    return site, ramq, f"{site}{700000 + k}", birth, sex, f"Banc{k}^Élise"


def message(k, trigger, control):
    site, ramq, mrn, birth, sex, name = person(k)
    when = "20261205080000" if trigger == "A01" else "20261205090000"
    street = "1234 rue Fictive" if trigger == "A01" else f"{k} boulevard Imaginaire"
    segs = [
        f"MSH|^~\\&|ADT_{site}|{site}|DSN|DSN|{when}||ADT^{trigger}^ADT_A01|{control}|P|2.5.1|||||CA|UNICODE UTF-8",
        f"EVN|{trigger}|{when}",
        f"PID|1||{ramq}^^^RAMQ^JHN~{mrn}^^^{site}^MR||{name}||{birth}|{sex}|||{street}^^Montréal^QC^H2X 1Y4^CAN^H",
        "PV1|1|I|7N^712^1",
    ]
    return b"\x0b" + ("\r".join(segs) + "\r").encode("utf-8") + b"\x1c\x0d"


failures = []


def worker(c):
    s = socket.create_connection((host, port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    buf = b""
    for k in range(c, people, conns):
        for t in ("A01", "A08"):
            control = f"{prefix}{k:06d}{t}"
            s.sendall(message(k, t, control))
            while b"\x1c\x0d" not in buf:
                chunk = s.recv(65536)
                if not chunk:
                    failures.append(f"{control}: connection closed")
                    return
                buf += chunk
            ack, buf = buf.split(b"\x1c\x0d", 1)
            if b"MSA|AA|" not in ack:
                failures.append(f"{control}: {ack[-200:]!r}")
    s.close()


start = time.monotonic()
threads = [threading.Thread(target=worker, args=(c,)) for c in range(conns)]
for t in threads: t.start()
for t in threads: t.join()
elapsed = time.monotonic() - start
if failures:
    print(f"{len(failures)} messages not AA, e.g. {failures[:3]}", file=sys.stderr)
    sys.exit(1)
print(f"{people * 2} {elapsed:.3f}")
