"""jupyter_kernel_test's conformance checks of the zoo's Java kernel (cvt-java), plus the
kernel's own promises: a zoo error is one line and the kernel goes on, and an interrupt stops a
running cell. NotebooksTest runs this with the kernel registered from the built classes:

    JUPYTER_PATH=<folder with kernels/cvt-java> /usr/bin/python3 -m unittest -v kernel_conformance
"""
import time
import unittest

import jupyter_kernel_test
from jupyter_client.utils import run_sync


class ZooKernelConformance(jupyter_kernel_test.KernelTests):
    kernel_name = "cvt-java"
    language_name = "java"
    file_extension = ".jshell"

    code_hello_world = 'System.out.println("hello, world");'
    code_stderr = 'System.err.println("to stderr");'

    completion_samples = [
        {"text": "Math.hyp", "matches": {"hypot("}},
        {"text": "\"text\".toUpperC", "matches": {"toUpperCase("}},
        {"text": "%classp", "matches": {"%classpath"}},
    ]
    complete_code_samples = ["int complete = 1;", "1 + 1", "void f() {}", "%jars lib/*.jar\nint n = 2;"]
    incomplete_code_samples = ["for (int i = 0; i < 3; i++) {", "void g() {", "String s = \"a\" +"]
    invalid_code_samples = ["int x = 1;\n)"]

    code_generate_error = 'throw new IllegalStateException("boom");'
    code_execute_result = [
        {"code": "6 * 7", "result": "42"},
        {"code": "\"ab\".repeat(2)", "result": "abab"},
        {"code": "new java.awt.image.BufferedImage(8, 4, java.awt.image.BufferedImage.TYPE_INT_RGB)", "mime": "image/png"},
        {"code": "table(\"model\", \">top-1\").row(\"cvt-13\", \"81.6%\")", "mime": "text/html"},
    ]
    code_display_data = [
        {"code": "display(new java.awt.image.BufferedImage(8, 4, java.awt.image.BufferedImage.TYPE_INT_RGB));",
         "mime": "image/png"},
        {"code": "display(table(\"a\").row(\"x\"));", "mime": "text/html"},
    ]
    code_history_pattern = "6 *"
    supported_history_operations = ("tail", "range", "search")
    code_inspect_sample = "Math.abs("

    def test_zoo_error_is_one_line_and_kernel_goes_on(self):
        self.flush_channels()
        reply, output = self.execute_helper('org.cvtzoo.zoo.Zoo.load("cvt-99")')
        self.assertEqual(reply["content"]["status"], "error")
        errors = [m for m in output if m["msg_type"] == "error"]
        self.assertEqual(len(errors), 1)
        traceback = errors[0]["content"]["traceback"]
        self.assertEqual(len(traceback), 1, traceback)
        self.assertIn("error: unknown model 'cvt-99'", traceback[0])
        reply, output = self.execute_helper("1 + 2")
        self.assertEqual(reply["content"]["status"], "ok")

    def test_interrupt_stops_a_running_cell(self):
        self.flush_channels()
        msg_id = self.kc.execute("long spins = 0; while (true) { spins++; }")
        try:
            # the cell has started once the kernel echoes its input (an interrupt that comes while
            # JShell still compiles it holds for the cell as well; ZooKernelTest interrupts a running loop)
            while True:
                msg = run_sync(self.kc.iopub_channel.get_msg)(timeout=60)
                if msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "execute_input":
                    break
            time.sleep(0.5)
        finally:
            self.km.interrupt_kernel()  # never leave the loop running for the tests after this one
        reply = self.get_non_kernel_info_reply(timeout=120)  # generous: a loaded machine, no timing assumed
        self.assertEqual(reply["parent_header"]["msg_id"], msg_id)
        self.assertEqual(reply["content"]["status"], "error")
        self.assertEqual(reply["content"]["ename"], "Interrupted")
        self.flush_channels()
        reply, output = self.execute_helper("2 + 2")
        self.assertEqual(reply["content"]["status"], "ok")
        results = [m for m in output if m["msg_type"] == "execute_result"]
        self.assertEqual(results[0]["content"]["data"]["text/plain"], "4")


if __name__ == "__main__":
    unittest.main()
