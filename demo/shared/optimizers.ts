// The optimizers of webgrad.train by name, built for a learning rate (the
// pages' optimizer menus).
import * as wg from 'webgradjs';

export const OPTIMIZERS: Record<string, (lr: number) => wg.train.Optimizer> = {
  sgd: (lr) => wg.train.sgd(lr),
  momentum: (lr) => wg.train.momentum(lr, 0.9),
  adam: (lr) => wg.train.adam(lr),
  rmsprop: (lr) => wg.train.rmsprop(lr),
};
