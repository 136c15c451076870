#include "evals/python_random.h"

#include <gtest/gtest.h>

namespace lfm::evals {
namespace {

// Expected values printed by CPython 3.11.7:
//   r = random.Random(1234); [r.getrandbits(32) for _ in range(3)]
TEST(PythonRandomTest, GetRandBitsMatchesCPython) {
  PythonRandom r(1234);
  EXPECT_EQ(r.GetRandBits(32), 4150886329u);
  EXPECT_EQ(r.GetRandBits(32), 3342196574u);
  EXPECT_EQ(r.GetRandBits(32), 1892932127u);
}

// lm-eval's default sampler for GSM8K: random.Random(1234).sample(train_docs, 5) once per test
// document, in document order, over the 7473 training documents.
TEST(PythonRandomTest, SampleSequenceMatchesCPython) {
  PythonRandom r(1234);
  EXPECT_EQ(r.Sample(7473, 5), (std::vector<uint64_t>{6374, 3610, 957, 61, 742}));
  EXPECT_EQ(r.Sample(7473, 5), (std::vector<uint64_t>{7462, 6610, 4769, 286, 5501}));
  EXPECT_EQ(r.Sample(7473, 5), (std::vector<uint64_t>{5677, 687, 806, 6279, 2905}));
}

// r = random.Random(1234); r.sample(range(10), 6), r.sample(range(300), 6): the pool method
// (n <= setsize) and the set method with k > 5.
TEST(PythonRandomTest, BothSampleMethodsMatchCPython) {
  PythonRandom r(1234);
  EXPECT_EQ(r.Sample(10, 6), (std::vector<uint64_t>{7, 1, 0, 9, 4, 6}));
  EXPECT_EQ(r.Sample(300, 6), (std::vector<uint64_t>{42, 50, 181, 121, 8, 15}));
}

// random.Random(42).sample(range(2**40), 2): getrandbits with more than 32 bits.
TEST(PythonRandomTest, WideRangesMatchCPython) {
  PythonRandom r(42);
  EXPECT_EQ(r.Sample(uint64_t{1} << 40, 2), (std::vector<uint64_t>{247559453085u, 538052153943u}));
}

// r = random.Random(0); [r.random() for _ in range(2)]; r = random.Random(0);
// [r.gauss(0, 1) for _ in range(3)] (the third draws a new pair).
TEST(PythonRandomTest, RandomAndGaussMatchCPython) {
  PythonRandom r(0);
  EXPECT_EQ(r.Random(), 0.8444218515250481);
  EXPECT_EQ(r.Random(), 0.7579544029403025);
  PythonRandom g(0);
  EXPECT_EQ(g.Gauss(), 0.9417154046806644);
  EXPECT_EQ(g.Gauss(), -1.3965781047011498);
  EXPECT_EQ(g.Gauss(), -0.6797144480784211);
}

}  // namespace
}  // namespace lfm::evals
