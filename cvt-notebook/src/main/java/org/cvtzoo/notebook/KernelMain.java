package org.cvtzoo.notebook;

import org.dflib.jjava.jupyter.channels.JupyterConnection;
import org.dflib.jjava.jupyter.kernel.KernelConnectionProperties;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;

/**
 * The kernel process Jupyter starts ({@code kernel.json}'s argv): {@code java ... KernelMain
 * CONNECTION_FILE}. Binds the five channels the connection file names and serves until Jupyter
 * asks it to shut down.
 */
public final class KernelMain {
    private KernelMain() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: java -cp ... " + KernelMain.class.getName() + " CONNECTION_FILE (Jupyter starts this; "
                    + "see bin/cvt notebook install)");
            System.exit(2);
        }
        KernelConnectionProperties props = KernelConnectionProperties.parse(Files.readString(Path.of(args[0])));
        // ND4J's natives take seconds to load: loaded while Jupyter connects, not in the first cell
        CompletableFuture.runAsync(KernelMain::warmNd4j);
        exitWithParent();
        ZooKernel kernel = new ZooKernel();
        JupyterConnection connection = new JupyterConnection(props);
        kernel.onStartup();
        kernel.becomeHandlerForConnection(connection);
        connection.connect();
        connection.waitUntilClose();
        // ND4J's and the cells' own threads must not keep the process alive after a shutdown request
        System.exit(0);
    }

    /**
     * Ends the kernel when the Jupyter process that started it is gone (killed before it could ask
     * for a shutdown), as ipykernel does: jupyter_client names itself in JPY_PARENT_PID.
     */
    private static void exitWithParent() {
        String parent = System.getenv("JPY_PARENT_PID");
        if (parent == null || !parent.matches("\\d+")) return;
        ProcessHandle.of(Long.parseLong(parent)).ifPresentOrElse(p -> p.onExit().thenRun(() -> System.exit(0)), () -> System.exit(0));
    }

    private static void warmNd4j() {
        try {
            org.cvtzoo.zoo.Nd4jTuning.forInference();
            org.nd4j.linalg.factory.Nd4j.create(1);
        } catch (Throwable t) {
            // the cell that uses ND4J reports the problem
        }
    }
}
