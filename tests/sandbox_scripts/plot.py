import matplotlib.pyplot as plt

plt.plot([0, 1, 2], [0, 1, 4])
plt.show()
print("plotted")
