package org.cvtzoo.spark;

import org.apache.spark.TaskFailedReason;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerExecutorRemoved;
import org.apache.spark.scheduler.SparkListenerJobEnd;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerStageCompleted;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.StageInfo;

import java.io.PrintStream;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What {@code bin/cvt-spark} says, without {@code --verbose}, when executors are lost and Spark
 * retries their tasks: one line per lost executor and one per stage whose tasks failed or that
 * failed itself, instead of Spark's own warnings and stack traces (which {@code
 * cvt-spark/conf/log4j2.properties} keeps quiet; {@code --verbose} shows them).
 */
final class FailureReport extends SparkListener {
    private final PrintStream out;
    private final AtomicInteger runningJobs = new AtomicInteger();
    /** Per stage attempt ("stage.attempt"): failed tasks and the first reason. */
    private final Map<String, Failures> failures = new HashMap<>();

    private static final class Failures {
        int tasks;
        String first;
    }

    FailureReport(PrintStream out) {
        this.out = out;
    }

    @Override
    public void onJobStart(SparkListenerJobStart jobStart) {
        runningJobs.incrementAndGet();
    }

    @Override
    public void onJobEnd(SparkListenerJobEnd jobEnd) {
        runningJobs.decrementAndGet();
    }

    /** An executor lost while a job runs (not those Spark removes at the end or when idle). */
    @Override
    public void onExecutorRemoved(SparkListenerExecutorRemoved removed) {
        if (runningJobs.get() > 0) {
            out.println("spark: executor " + removed.executorId() + " lost (" + firstLine(removed.reason())
                    + "); Spark runs its tasks again");
        }
    }

    @Override
    public void onTaskEnd(SparkListenerTaskEnd end) {
        if (end.reason() instanceof TaskFailedReason failed) {
            synchronized (failures) {
                Failures f = failures.computeIfAbsent(end.stageId() + "." + end.stageAttemptId(), k -> new Failures());
                f.tasks++;
                if (f.first == null) f.first = firstLine(failed.toErrorString());
            }
        }
    }

    @Override
    public void onStageCompleted(SparkListenerStageCompleted completed) {
        StageInfo s = completed.stageInfo();
        Failures f;
        synchronized (failures) {
            f = failures.remove(s.stageId() + "." + s.attemptNumber());
        }
        String stage = "spark: stage " + s.stageId() + (s.attemptNumber() > 0 ? " (attempt " + (s.attemptNumber() + 1) + ")" : "");
        if (s.failureReason().isDefined()) {
            out.println(stage + " failed: " + firstLine(s.failureReason().get()));
        } else if (f != null) {
            out.println(stage + ": " + f.tasks + (f.tasks == 1 ? " task" : " tasks") + " failed and ran again (" + f.first + ")");
        }
    }

    private static String firstLine(String s) {
        if (s == null) return "no reason given";
        return s.strip().lines().findFirst().orElse(""); // Spark's reasons put a stack trace below
    }
}
