package io.tessera.ssl.method;

import io.tessera.tensor.Tensor;

import java.util.Map;

/**
 * What one forward pass of a method returns: the scalar loss to back-propagate and its named
 * parts (for metrics: e.g. "loss_r", "loss_c"), all scalars.
 */
public record StepLosses(Tensor total, Map<String, Tensor> parts) {
}
