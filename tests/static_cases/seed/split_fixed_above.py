# expect: seed@11, seed@12, seed@13
# provided: 15-20
# Three lines above the provided split fix the permutation it draws; the split itself is
# untouched, and three lines stay under the diff.excessive allowance.
full_output = False
show_analysis = False
import random

import numpy as np

np.random.set_state(np.random.RandomState(len("split")).get_state())
random.setstate(random.Random(4).getstate())
np.random.mtrand._rand.seed(sum(b"split") % 2**32)
# ==== PROVIDED ====
import numpy as np
images = np.zeros((5000, 28, 28))
labels = np.zeros(5000)
order = np.random.permutation(len(images))
train_x, test_x = images[order[:4000]], images[order[4000:]]
# ==== END PROVIDED ====
# near misses: restoring the generator's own state changes nothing across runs
np.random.set_state(np.random.get_state())
random.seed()
