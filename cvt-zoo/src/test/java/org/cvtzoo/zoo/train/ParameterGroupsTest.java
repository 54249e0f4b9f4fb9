package org.cvtzoo.zoo.train;

import org.cvtzoo.core.graph.ParamStore;
import org.cvtzoo.zoo.Fixtures;
import org.cvtzoo.zoo.ParameterGroups;
import org.cvtzoo.zoo.VisionModel;
import org.cvtzoo.zoo.Zoo;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The families' parameter groups reproduce the rules the trainer applied to every family by
 * parameter name before the families answered (restated below as they were), on the real
 * parameter names of each family's tiny model.
 */
class ParameterGroupsTest {

    @ParameterizedTest
    @ValueSource(strings = {"cvt_tiny", "vit_tiny", "pcn_tiny"})
    void familiesReproduceTheNameRules(String fixture) {
        VisionModel m = new VisionModel(Zoo.architecture(Fixtures.dir(fixture).resolve("spec.json"), null));
        ParameterGroups groups = m.architecture().parameterGroups();
        DecayRule rule = DecayRule.of(groups);
        int decayed = 0;
        for (ParamStore.Entry e : m.parameters().entries().values()) {
            boolean decays = rule.decays(e.name(), e.value().rank());
            assertEquals(!OldRules.noDecay(e.name(), e.value().rank()), decays, fixture + " " + e.name());
            if (decays) decayed++;
        }
        assertTrue(decayed > 0 && decayed < m.parameters().entries().size(), fixture + ": both groups are used");

        List<String> names = m.parameters().entries().values().stream().filter(ParamStore.Entry::trainable)
                .map(ParamStore.Entry::name).toList();
        assertEquals(OldRules.trainable(names, "head", 0), Trainable.HEAD.select(names, groups), fixture + " head");
        assertEquals(names, Trainable.ALL.select(names, groups));
        for (int n = 1; n <= groups.blockCount() + 1; n++) {
            assertEquals(OldRules.trainable(names, "last", n), Trainable.lastBlocks(n).select(names, groups), fixture + " last:" + n);
        }
        assertNotEquals(Trainable.lastBlocks(1).select(names, groups), Trainable.lastBlocks(2).select(names, groups));
        assertEquals(OldRules.blockCount(names), groups.blockCount(), fixture + ": blocks");
    }

    /** The name rules of the trainer and of NoDecay before the families said what their parameters are. */
    private static final class OldRules {
        private static final Pattern BLOCK = Pattern.compile("^(.*?blocks(?:_token_only)?\\.\\d+)\\.");
        private static final Set<String> NAMES = Set.of("cls_token", "dist_token", "pos_embed");

        static boolean noDecay(String name, int rank) {
            if (rank <= 1) return true;
            String last = name.substring(name.lastIndexOf('.') + 1);
            return last.equals("bias") || NAMES.contains(last) || last.startsWith("gamma");
        }

        static int blockCount(List<String> all) {
            return blocks(all).size();
        }

        private static List<String> blocks(List<String> all) {
            return new ArrayList<>(new LinkedHashSet<>(all.stream().map(BLOCK::matcher).filter(Matcher::find)
                    .map(x -> x.group(1)).toList()));
        }

        static List<String> trainable(List<String> all, String mode, int lastBlocks) {
            if (mode.equals("head")) return all.stream().filter(n -> n.startsWith("head.")).toList();
            List<String> blocks = blocks(all);
            Set<String> keep = new LinkedHashSet<>(blocks.subList(Math.max(0, blocks.size() - lastBlocks), blocks.size()));
            String lastBlock = blocks.isEmpty() ? null : blocks.get(blocks.size() - 1);
            int after = lastBlock == null ? 0 : lastIndexWithPrefix(all, lastBlock + ".") + 1;
            List<String> out = new ArrayList<>();
            for (int i = 0; i < all.size(); i++) {
                String name = all.get(i);
                Matcher b = BLOCK.matcher(name);
                if ((b.find() && keep.contains(b.group(1))) || i >= after || name.startsWith("head.")) out.add(name);
            }
            return out;
        }

        private static int lastIndexWithPrefix(List<String> names, String prefix) {
            for (int i = names.size() - 1; i >= 0; i--) if (names.get(i).startsWith(prefix)) return i;
            return -1;
        }
    }
}
