package org.cvtzoo.cli;

import org.cvtzoo.zoo.train.EpochReport;
import org.cvtzoo.zoo.train.Trainer;

import java.util.Locale;

/** Prints fine-tuning progress: a bar per epoch, then the epoch's figures. */
final class TrainingProgress implements Trainer.Listener {
    private ProgressBar bar;
    private int epoch = -1;

    @Override
    public void batch(int epoch, int batch, int batches, double loss) {
        if (epoch != this.epoch) {
            this.epoch = epoch;
            bar = new ProgressBar("batches, epoch " + epoch, batches, 2);
        }
        bar.update(batch);
    }

    @Override
    public void epoch(EpochReport r) {
        System.out.printf(Locale.ROOT, "epoch %d/%d: train loss %.4f top-1 %.2f%% | val loss %.4f top-1 %.2f%% top-5 %.2f%% | lr %.2e | %.0f s%n",
                r.epoch(), r.epochs(), r.trainLoss(), 100 * r.trainTop1(), r.valLoss(), 100 * r.valTop1(), 100 * r.valTop5(),
                r.lr(), r.seconds());
    }
}
