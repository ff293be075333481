// Names shared by the build plugin (Node) and the pages (browser).

/** Where the pages find the bundled MNIST digits, relative to the page. */
export const MNIST_FILE = 'data/mnist-10k.bin.gz';
