package org.cvtzoo.spark;

import org.apache.spark.ExecutorLostFailure;
import org.apache.spark.Success$;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.scheduler.SparkListenerExecutorRemoved;
import org.apache.spark.scheduler.SparkListenerJobEnd;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerStageCompleted;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.StageInfo;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import scala.Option;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.List;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One line per lost executor and per stage with failed tasks, instead of Spark's warnings and traces. */
class FailureReportTest {
    private static <T> scala.collection.immutable.Seq<T> none() {
        return scala.jdk.javaapi.CollectionConverters.asScala(List.<T>of()).toList();
    }

    private static StageInfo stage(int id, int attempt) {
        return new StageInfo(id, attempt, "predict", 4, none(), none(), "", null, none(), Option.empty(), 0, false, 0);
    }

    @Test
    void anExecutorLostMidJobIsOneLineAndItsRetriedStageAnother() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        FailureReport report = new FailureReport(new PrintStream(bytes, true));
        report.onExecutorRemoved(new SparkListenerExecutorRemoved(0, "3", "before any job: not reported"));
        report.onJobStart(new SparkListenerJobStart(0, 0, none(), new Properties()));
        report.onExecutorRemoved(new SparkListenerExecutorRemoved(1, "1", "Command exited with code 137\nmore detail"));
        for (int task = 0; task < 2; task++) {
            report.onTaskEnd(new SparkListenerTaskEnd(2, 0, "ResultTask",
                    new ExecutorLostFailure("1", false, Option.apply("Command exited with code 137")), null, null, null));
        }
        report.onTaskEnd(new SparkListenerTaskEnd(2, 0, "ResultTask", Success$.MODULE$, null, null, null));
        report.onStageCompleted(new SparkListenerStageCompleted(stage(2, 0)));
        report.onStageCompleted(new SparkListenerStageCompleted(stage(3, 0))); // no failures: nothing
        report.onJobEnd(new SparkListenerJobEnd(0, 1, null));
        report.onExecutorRemoved(new SparkListenerExecutorRemoved(2, "2", "after the job: not reported"));
        List<String> lines = bytes.toString().lines().toList();
        assertEquals(2, lines.size(), lines.toString());
        assertEquals("spark: executor 1 lost (Command exited with code 137); Spark runs its tasks again", lines.get(0));
        assertTrue(lines.get(1).startsWith("spark: stage 2: 2 tasks failed and ran again (ExecutorLostFailure (executor 1 exited"),
                lines.get(1));
    }

    @Test
    void aFailedStageIsOneLineFromARealJob() throws Exception {
        SparkSession spark = TestData.spark();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        FailureReport report = new FailureReport(new PrintStream(bytes, true));
        spark.sparkContext().addSparkListener(report);
        try {
            JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
            assertThrows(Exception.class, () -> jsc.parallelize(List.of(1, 2, 3, 4), 2).map(i -> {
                if (i == 3) throw new IllegalStateException("broken row " + i + "\n\tat somewhere");
                return i;
            }).collect());
            spark.sparkContext().listenerBus().waitUntilEmpty();
        } finally {
            spark.sparkContext().removeSparkListener(report);
        }
        List<String> lines = bytes.toString().lines().toList();
        assertEquals(1, lines.size(), lines.toString());
        assertTrue(lines.get(0).matches("spark: stage \\d+ failed: Job aborted due to stage failure: .*broken row 3"), lines.get(0));
    }
}
