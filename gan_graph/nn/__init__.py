"""Layers and losses: the only layer code (ops) and the GAN losses as pure functions of tensors."""
