#pragma once
// Data-parallel training of one model on several trainer ranks (DDP style, by hand).
//
// Every trainer rank holds a full replica of the model and trains it on its own slice of the
// samples. broadcast_parameters() makes the replicas start identical; average_gradients(),
// called between backward() and the optimizer step, makes every replica take the same step, so
// the replicas stay identical for as long as the optimizers are deterministic and were built the
// same way on every rank.
//
// Both functions are collective over `trainers` and handle CPU and CUDA tensors: the values go
// through one flat host buffer (no CUDA-aware MPI needed; one device-to-host and one
// host-to-device copy per tensor and step). Every rank must pass a model with the same structure (the same parameters
// and buffers, in the same order, with the same shapes); a rank whose tensors add up to a
// different size makes every rank throw RuntimeError instead of mixing up values.
#include <torch/torch.h>

#include "parallel/comm.hpp"

namespace surge::trainer {

// Collective over `trainers`: copies the parameters AND buffers of `m` on rank `root` to every
// other rank, in place (bit for bit, whatever their dtypes), with one MPI_Bcast of a flat byte
// buffer. Call it once after building the model, before the optimizer sees the parameters'
// values (optimizer state such as Adam's moments is not broadcast). Throws RuntimeError on every
// rank if any rank holds a sparse tensor or a layout that differs from the others'.
void broadcast_parameters(torch::nn::Module& m, const Comm& trainers, int root = 0);

// Collective over `trainers`: replaces the gradient of every parameter of `m` that requires a
// gradient by its mean over the ranks, with one MPI_Allreduce (MPI_SUM, then a division by the
// number of ranks) on a flat buffer. The buffer is float32 when every parameter is float32, and
// float64 otherwise (float32 gradients are then summed in float64 and rounded back).
//
// A parameter without a gradient on a rank contributes zeros, so every rank reduces the same
// layout; it receives the mean afterwards if any rank had a gradient for it, and is left without
// one (so that optimizers skip it) if no rank had.
//
// If every rank's loss is the mean over a local batch of the same size b, the result is the
// gradient of the mean loss over the union of the P local batches (P*b samples): training on P
// ranks then follows, up to rounding, the same path as training on all P*b samples on one rank.
// With unequal local batches it is the unweighted mean of the local gradients instead.
void average_gradients(torch::nn::Module& m, const Comm& trainers);

}  // namespace surge::trainer
