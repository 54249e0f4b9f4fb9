package org.cvtzoo.zoo.train;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DecayRuleTest {

    @Test
    void realNames() {
        DecayRule cvt = DecayRule.of(TrainFixtures.groups("cvt_tiny"));
        DecayRule vit = DecayRule.of(TrainFixtures.groups("vit_tiny"));
        DecayRule pcn = DecayRule.of(TrainFixtures.groups("pcn_tiny"));
        // not decayed
        assertFalse(cvt.decays("stage2.cls_token", 3));
        assertFalse(cvt.decays("stage0.pos_embed", 3));
        assertFalse(vit.decays("cls_token", 3));
        assertFalse(pcn.decays("cls_token", 3));
        assertFalse(vit.decays("pos_embed", 3));
        assertFalse(vit.decays("blocks.0.norm1.weight", 1));
        assertFalse(pcn.decays("blocks.3.gamma_1", 1));
        assertFalse(pcn.decays("blocks_token_only.0.gamma_2", 1));
        assertFalse(pcn.decays("blocks.3.layer_scale.gamma", 1));
        assertFalse(cvt.decays("stage1.blocks.0.attn.conv_proj_q.bn.weight", 1));
        assertFalse(cvt.decays("stage1.blocks.0.attn.conv_proj_q.bn.bias", 1));
        // layer scales by name even when not 1-D
        assertFalse(pcn.decays("blocks.3.gamma_1", 3));
        // decayed
        assertTrue(vit.decays("blocks.0.attn.qkv.weight", 2));
        assertTrue(vit.decays("patch_embed.proj.weight", 4));
        assertTrue(vit.decays("blocks.0.mlp.fc1.weight", 2));
        assertTrue(cvt.decays("stage1.blocks.0.attn.conv_proj_q.conv.weight", 4));
        assertTrue(pcn.decays("blocks.0.attn.qkv_pos.0.weight", 4));
        // a name merely containing a keyword elsewhere is decayed
        assertTrue(pcn.decays("gamma_net.fc.weight", 2));
        assertTrue(vit.decays("pos_embed_proj.weight", 2));
        assertTrue(cvt.decays("stage2.cls_token_proj.weight", 2));
        for (DecayRule r : List.of(cvt, vit, pcn)) {
            assertFalse(r.decays("head.bias", 1));
            assertFalse(r.decays("some.odd.bias", 2)); // by name even when not 1-D
            assertTrue(r.decays("head.weight", 2));
        }
        assertTrue(DecayRule.ALL.decays("head.bias", 1));
    }
}
