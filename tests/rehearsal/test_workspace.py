from tests.rehearsal.workspace import resource_errors

FAILED_UP = """Updating (rehearsal-3):
 +  command:remote:CopyToRemote kafka-server-base-files creating (0s)
 +  command:remote:CopyToRemote kafka-server-base-files **creating failed** error: copy failed
Diagnostics:
  pulumi:pulumi:Stack (kafka-pipeline-rehearsal-3):
    Traceback (most recent call last):
      File "resource.py", line 1344, in do_register
    KeyboardInterrupt
    error: update failed

  command:remote:CopyToRemote (kafka-server-base-files):
    error: sftp: "Failure" (SSH_FX_FAILURE)

  command:remote:Command (kafka-producer-base):
    error: Process exited with status 1: apt is still busy

Outputs:
    kafkaVersion: "4.3.1"

Resources:
    9 errored
"""


def test_the_failed_resources_come_first_without_the_programs_traceback():
    shown = resource_errors(FAILED_UP)
    assert 'error: sftp: "Failure" (SSH_FX_FAILURE)' in shown and "apt is still busy" in shown
    assert "KeyboardInterrupt" not in shown and "kafkaVersion" not in shown and "9 errored" not in shown


def test_each_block_is_cut_to_its_first_lines():
    long = FAILED_UP.replace("apt is still busy", "apt is still busy\n" + "\n".join(f"    line {i}" for i in range(50)))
    shown = resource_errors(long, lines_each=5)
    assert "line 2" in shown and "line 3" not in shown


def test_output_without_diagnostics_says_so():
    assert resource_errors("error: no stack named 'x' found\n") == "(no resource diagnostics)"
