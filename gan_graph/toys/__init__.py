"""The teaching toys: the 2x2 slanted-land GAN and the 1-D picture of Goodfellow et al."""
