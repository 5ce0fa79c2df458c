"""Run a module under an audit hook that logs every path the process opens.

    python open_audit.py LOG MODULE [ARGS...]

Python raises an audit event (PEP 578) for every file open (`open`,
`os.open`, `io.open`), directory listing and process spawn, in every
thread, before the call happens; the hook appends ``event<TAB>path`` to
LOG. A test then checks which paths the process touched, e.g. that the HA
agent never opens anything on shared storage.
"""

import runpy
import sys

EVENTS = {"open", "os.listdir", "os.scandir", "glob.glob", "subprocess.Popen", "os.exec",
          "os.posix_spawn", "os.chdir", "shutil.copyfile"}


def main() -> None:
    log_path, module = sys.argv[1], sys.argv[2]
    log = open(log_path, "a", buffering=1, encoding="utf-8")  # noqa: SIM115 (process-long)

    def hook(event: str, args: tuple) -> None:
        if event not in EVENTS or not args:
            return
        path = args[0]
        if isinstance(path, bytes):
            path = path.decode("utf-8", "replace")
        if isinstance(path, int) or path is None:
            return
        log.write(f"{event}\t{path}\n")

    sys.addaudithook(hook)
    sys.argv = [module] + sys.argv[3:]
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
