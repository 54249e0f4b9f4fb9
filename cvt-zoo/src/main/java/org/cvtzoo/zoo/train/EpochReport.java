package org.cvtzoo.zoo.train;

/**
 * One epoch's figures (validation figures NaN without validation data). Checkpoints keep the
 * run's reports as JSON under these names.
 *
 * @param epoch     1-based
 * @param trainLoss mean training loss (with label smoothing) over the epoch's steps
 * @param trainTop1 training accuracy, as the model was during the epoch
 * @param valLoss   validation cross-entropy (no smoothing) after the epoch
 * @param lr        the learning rate of the epoch's last step
 */
public record EpochReport(int epoch, int epochs, double trainLoss, double trainTop1, double valLoss, double valTop1,
                          double valTop5, double lr, double seconds) {
}
