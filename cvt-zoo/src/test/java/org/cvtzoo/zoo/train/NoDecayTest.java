package org.cvtzoo.zoo.train;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NoDecayTest {

    @Test
    void realNames() {
        DecayRule r = NoDecay.rule();
        // not decayed
        assertFalse(r.decays("stage2.cls_token", 3));
        assertFalse(r.decays("cls_token", 3));
        assertFalse(r.decays("pos_embed", 3));
        assertFalse(r.decays("blocks.0.norm1.weight", 1));
        assertFalse(r.decays("blocks.3.gamma_1", 1));
        assertFalse(r.decays("blocks.3.gamma_2", 1));
        assertFalse(r.decays("blocks.3.layer_scale.gamma", 1));
        assertFalse(r.decays("stage1.blocks.0.attn.conv_proj_q.bn.weight", 1));
        assertFalse(r.decays("stage1.blocks.0.attn.conv_proj_q.bn.bias", 1));
        assertFalse(r.decays("head.bias", 1));
        // by name even when not 1-D
        assertFalse(r.decays("some.odd.bias", 2));
        assertFalse(r.decays("blocks.3.gamma_1", 3));
        // decayed
        assertTrue(r.decays("head.weight", 2));
        assertTrue(r.decays("blocks.0.attn.qkv.weight", 2));
        assertTrue(r.decays("patch_embed.proj.weight", 4));
        assertTrue(r.decays("stage1.blocks.0.attn.conv_proj_q.conv.weight", 4));
        assertTrue(r.decays("blocks.0.mlp.fc1.weight", 2));
        // a name merely containing a keyword elsewhere is decayed
        assertTrue(r.decays("gamma_net.fc.weight", 2));
        assertTrue(r.decays("pos_embed_proj.weight", 2));
        assertTrue(DecayRule.ALL.decays("head.bias", 1));
    }
}
