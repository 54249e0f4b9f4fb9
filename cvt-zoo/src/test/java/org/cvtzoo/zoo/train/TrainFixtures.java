package org.cvtzoo.zoo.train;

import org.cvtzoo.core.weights.Npy;
import org.cvtzoo.zoo.Fixtures;
import org.cvtzoo.zoo.ParameterGroups;
import org.cvtzoo.zoo.Zoo;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The fixtures made by {@code src/test/resources/train/make_optim.py}. */
final class TrainFixtures {
    private TrainFixtures() {
    }

    static Path file(String relative) {
        URL url = TrainFixtures.class.getResource("/train/" + relative);
        if (url == null) throw new IllegalStateException("missing test fixture train/" + relative);
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static INDArray npy(String relative) {
        return Npy.read(file(relative));
    }

    static List<String> lines(String relative) {
        try {
            return Files.readAllLines(file(relative)).stream().filter(l -> !l.isBlank()).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One line of optim/names.txt. */
    record Param(String name, boolean decays, long[] shape) {
        long length() {
            return Arrays.stream(shape).reduce(1, (a, b) -> a * b);
        }
    }

    static List<Param> params() {
        List<Param> out = new ArrayList<>();
        for (String line : lines("optim/names.txt")) {
            String[] f = line.split(" ");
            long[] shape = Arrays.stream(f[2].split(",")).mapToLong(Long::parseLong).toArray();
            out.add(new Param(f[0], f[1].equals("1"), shape));
        }
        return out;
    }

    /** The parameter groups of a tiny fixture model's family ({@code cvt_tiny}, {@code vit_tiny}, {@code pcn_tiny}). */
    static ParameterGroups groups(String fixture) {
        return Zoo.architecture(Fixtures.dir(fixture).resolve("spec.json"), null).parameterGroups();
    }

    /**
     * The weight-decay rule for the fixture's parameters, whose names come from the three
     * families: each by its family's groups ({@code stageN.}: CvT, layer-scale gammas:
     * PatchConvNet, the rest: ViT).
     */
    static DecayRule decayRule() {
        DecayRule cvt = DecayRule.of(groups("cvt_tiny")), vit = DecayRule.of(groups("vit_tiny")), pcn = DecayRule.of(groups("pcn_tiny"));
        return (name, rank) -> (name.startsWith("stage") ? cvt : name.contains("gamma") ? pcn : vit).decays(name, rank);
    }

    /** Splits a flat vector (one row of a fixture) into fresh C-order arrays, by parameter. */
    static Map<String, INDArray> split(INDArray flat) {
        Map<String, INDArray> out = new LinkedHashMap<>();
        long at = 0;
        INDArray row = flat.reshape(flat.length());
        for (Param p : params()) {
            out.put(p.name(), row.get(NDArrayIndex.interval(at, at + p.length())).dup('c').reshape(p.shape()));
            at += p.length();
        }
        if (at != row.length()) throw new IllegalStateException("fixture has " + row.length() + " values, names " + at);
        return out;
    }

    /** Row {@code i} of a {@code [steps, N]} fixture, split by parameter. */
    static Map<String, INDArray> row(INDArray stacked, int i) {
        return split(stacked.getRow(i));
    }
}
