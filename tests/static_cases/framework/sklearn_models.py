# expect: framework@6, framework@7, framework@8, framework@10
import sklearn as sk
import sklearn
from sklearn.model_selection import train_test_split

from sklearn.neighbors import KNeighborsClassifier
from sklearn import svm
import sklearn.ensemble

classifier = sk.linear_model.LogisticRegression()
