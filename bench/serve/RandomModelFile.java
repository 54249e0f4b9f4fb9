// A model file of a registered variant with random weights, for load tests (the numbers mean
// nothing; the cost is the real model's). Run with the tool's class path:
//   java -cp "cvt-examples/target/cvt-examples-0.1.0-SNAPSHOT.jar:cvt-examples/target/lib/*" bench/serve/RandomModelFile.java cvt-13 out.safetensors
import org.cvtzoo.zoo.ModelFile;
import org.cvtzoo.zoo.VisionModel;
import org.cvtzoo.zoo.Zoo;

import java.nio.file.Path;

public class RandomModelFile {
    public static void main(String[] args) {
        ModelFile.save(new VisionModel(Zoo.architecture(args[0], null)), Path.of(args[1]));
    }
}
