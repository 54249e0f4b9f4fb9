/**
 * Fine-tuning. {@link org.cvtzoo.zoo.train.Trainer} runs a {@link org.cvtzoo.zoo.train.FineTuneConfig}
 * on a model, from the project's datasets or a DL4J {@code DataSetIterator};
 * {@link org.cvtzoo.zoo.train.Evaluator} measures a model into ND4J's {@code Evaluation};
 * {@link org.cvtzoo.zoo.train.TrainingCheckpoint} is the resumable checkpoint format.
 *
 * <pre>{@code
 * FineTuneConfig config = FineTuneConfig.defaults().withClasses(names).withTrainable(Trainable.lastBlocks(2))
 *         .withEpochs(5).withOutputDir(Path.of("run"));
 * Trainer.Result r = new Trainer(model, config).fit(trainIterator, validationIterator);
 * Evaluation e = Evaluator.evaluate(r.best(), testIterator).evaluation();
 * }</pre>
 *
 * <p>The pieces under the trainer work on plain float32 arrays, outside any graph: gradients come
 * from a {@link org.cvtzoo.zoo.TrainingGraph} step, the update is applied here on the
 * {@code ParamStore} arrays.
 *
 * <pre>{@code
 * Optimizer opt = new AdamW(0.9, 0.999, 1e-8, 0.05, DecayRule.of(model.architecture().parameterGroups()));
 * LrSchedule schedule = LrSchedule.cosine(5e-4, 1e-6, warmupSteps, 1e-5, totalSteps);
 * for (long step = 0; step < totalSteps; step++) {
 *     Map<String, INDArray> grads = ...;                 // by state_dict name, graph layout
 *     double norm = GradClip.clipByGlobalNorm(grads.values(), 1.0);
 *     opt.step(params, grads, schedule.lr(step));       // params: name -> Entry.value()
 * }
 * OptimizerState saved = opt.state();                   // resume: opt2.loadState(saved)
 * }</pre>
 *
 * <p>{@link org.cvtzoo.zoo.train.AdamW} and {@link org.cvtzoo.zoo.train.SgdMomentum} follow
 * {@code torch.optim.AdamW} / {@code torch.optim.SGD}; {@link org.cvtzoo.zoo.train.GradClip}
 * follows {@code clip_grad_norm_}; {@link org.cvtzoo.zoo.train.CrossEntropy} follows
 * {@code F.cross_entropy(label_smoothing=s)}; {@link org.cvtzoo.zoo.train.LrSchedule} has timm's
 * cosine-with-warm-up semantics. The tests compare each with PyTorch 1.13 fixtures made by
 * {@code src/test/resources/train/make_optim.py}.
 */
package org.cvtzoo.zoo.train;
