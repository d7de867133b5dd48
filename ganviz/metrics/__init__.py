"""Image-generator metrics: FID / IS / KID (through torchmetrics) and precision / recall, on the
features of a named extractor — the shipped digit classifier offline, Inception-v3 when its
weights are available. Every number carries the name of the network that produced it. The digit
classifier itself is :mod:`ganviz.metrics.classifier`; :mod:`ganviz.metrics.class_accuracy` asks it
whether a conditional generator draws the class it is asked for; :mod:`ganviz.metrics.factors` is the
shape factor network, which reads the factors of ``shapes`` images and gives their exact mode coverage."""
from ganviz.metrics.evaluation import (Evaluation, ImageSource, evaluate, load_source, source_from_gan,
                                     source_from_generator, write_quality_section)
from ganviz.metrics.extractors import (EXTRACTORS, DigitClassifierFeatures, ExtractorUnavailable, FeatureExtractor,
                                       InceptionFeatures, RandomInception, ShapeFactorFeatures, build_extractor,
                                       default_extractor)
from ganviz.metrics.reference import cache_dir, reference_embedding
from ganviz.metrics.scores import (BETTER, Embedding, compare, embed, frechet_distance, inception_score,
                                   kernel_distance, precision_recall)

__all__ = ["BETTER", "EXTRACTORS", "DigitClassifierFeatures", "Embedding", "Evaluation", "ExtractorUnavailable",
           "FeatureExtractor", "ImageSource", "InceptionFeatures", "RandomInception", "ShapeFactorFeatures",
           "build_extractor", "cache_dir", "compare", "default_extractor", "embed", "evaluate", "frechet_distance",
           "inception_score", "kernel_distance", "load_source",
           "precision_recall", "reference_embedding", "source_from_gan", "source_from_generator",
           "write_quality_section"]
