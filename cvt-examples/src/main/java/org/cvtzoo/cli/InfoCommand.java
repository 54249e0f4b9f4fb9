package org.cvtzoo.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.concurrent.Callable;

@Command(name = "info", mixinStandardHelpOptions = true,
        description = "Show the ND4J backend that runs, its BLAS, threads, and whether oneDNN / cuDNN are on.")
final class InfoCommand implements Callable<Integer> {
    @Mixin
    Main.Common common;

    @Override
    public Integer call() {
        BackendInfo b = BackendInfo.current();
        System.out.println(b.describe());
        return 0;
    }
}
