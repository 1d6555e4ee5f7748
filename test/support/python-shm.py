"""Another program's POSIX shared memory, for test/19-shared-ownership.test.ts.

Python's multiprocessing.shared_memory, driven by JSON lines on stdin, one
reply line each:
  {"op": "create", "name": n, "size": s, "text": t}   create, write t at 0
  {"op": "attach", "name": n}                          attach to an existing object
  {"op": "read", "length": k}   -> {"text": ...}       the first k bytes, latin-1
  {"op": "write", "text": t}                           write t at 0
  {"op": "size"}                -> {"size": ...}
  {"op": "close"} / {"op": "unlink"}
  {"op": "plant", "name": n, "mode": m}                 /dev/shm/<n> with mode m (exactly), 4096
                                                        bytes "planted", and a shared flock held
                                                        on it (as an attacker's holder would)
Attached objects are taken out of Python's resource tracker (which, before
Python 3.13, would otherwise unlink them when this process exits).
"""
import fcntl
import json
import os
import sys
from multiprocessing import resource_tracker, shared_memory

shm = None
for line in sys.stdin:
    msg = json.loads(line)
    op = msg["op"]
    try:
        reply = {"ok": True}
        if op == "create":
            shm = shared_memory.SharedMemory(name=msg["name"], create=True, size=msg["size"])
            shm.buf[: len(msg["text"])] = msg["text"].encode("latin-1")
        elif op == "attach":
            shm = shared_memory.SharedMemory(name=msg["name"])
            resource_tracker.unregister(shm._name, "shared_memory")
        elif op == "read":
            reply["text"] = bytes(shm.buf[: msg["length"]]).decode("latin-1")
        elif op == "write":
            shm.buf[: len(msg["text"])] = msg["text"].encode("latin-1")
        elif op == "size":
            reply["size"] = shm.size
        elif op == "close":
            shm.close()
        elif op == "unlink":
            shm.unlink()
        elif op == "plant":
            fd = os.open("/dev/shm/" + msg["name"], os.O_RDWR | os.O_CREAT | os.O_EXCL, msg["mode"])
            os.fchmod(fd, msg["mode"])
            os.ftruncate(fd, 4096)
            os.pwrite(fd, b"planted", 0)
            fcntl.flock(fd, fcntl.LOCK_SH)
        else:
            raise ValueError("unknown op " + op)
    except Exception as err:  # reported to the test, which decides
        reply = {"ok": False, "error": type(err).__name__ + ": " + str(err)}
    print(json.dumps(reply), flush=True)
