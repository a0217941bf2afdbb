;; Fused float32 update kernels of descent's element-wise optimizers, four
;; lanes at a time with WebAssembly SIMD (f32x4).
;;
;; Each kernel mirrors the loop of the TypeScript reference in
;; src/core/algorithms/ and computes in single precision. The per-step scalars
;; (bias corrections, bounds, learning rates) are computed in TypeScript in
;; double precision and written, rounded to float32, to the coefficient block
;; at address 0 before the call. Each kernel lists its coefficient layout.
;;
;; Calling convention, shared by every kernel:
;;   (theta, grad, s0, s1, s2, n)
;; theta, grad and the state buffers s0..s2 are byte addresses of float32
;; arrays in this memory; n is the element count. A kernel processes n rounded
;; up to a multiple of 4, so every array must have room for that many elements
;; (the allocator in memory.ts pads each block). Lanes past n hold padding that
;; no caller reads. A state buffer the variant does not use may be given as 0.
;; Addresses need no alignment, but the allocator aligns blocks to 64 bytes.
(module
  (memory (export "memory") 1)

  ;; Plain SGD: θ ← θ − η·g.
  ;; coefficients: 0 η, 1 sign (−1 with maximize), 2 λ (L2 decay)
  (func (export "sgd")
    (param $theta i32) (param $grad i32) (param $s0 i32) (param $s1 i32) (param $s2 i32) (param $n i32)
    (local $at i32) (local $end i32) (local $g v128) (local $th v128)
    (local $lr v128) (local $sign v128) (local $decay v128)
    (local.set $lr (v128.load32_splat offset=0 (i32.const 0)))
    (local.set $sign (v128.load32_splat offset=4 (i32.const 0)))
    (local.set $decay (v128.load32_splat offset=8 (i32.const 0)))
    (local.set $end (call $byteLength (local.get $n)))
    (if (i32.eqz (local.get $end)) (then (return)))
    (loop $vectors
      (local.set $th (v128.load (i32.add (local.get $theta) (local.get $at))))
      (local.set $g (f32x4.add
        (f32x4.mul (local.get $sign) (v128.load (i32.add (local.get $grad) (local.get $at))))
        (f32x4.mul (local.get $decay) (local.get $th))))
      (v128.store (i32.add (local.get $theta) (local.get $at))
        (f32x4.sub (local.get $th) (f32x4.mul (local.get $lr) (local.get $g))))
      (local.set $at (i32.add (local.get $at) (i32.const 16)))
      (br_if $vectors (i32.lt_u (local.get $at) (local.get $end)))))

  ;; SGD with momentum: b ← μ·b + (1 − τ)·g; d ← g + μ·b (Nesterov) or b; θ ← θ − η·d.
  ;; The first step, which copies g into a new buffer, runs in TypeScript.
  ;; s0: momentum buffer
  ;; coefficients: 0 η, 1 sign, 2 λ, 3 μ, 4 1 − τ, 5 nesterov (1 or 0)
  (func (export "sgd_momentum")
    (param $theta i32) (param $grad i32) (param $s0 i32) (param $s1 i32) (param $s2 i32) (param $n i32)
    (local $at i32) (local $end i32) (local $g v128) (local $th v128) (local $b v128) (local $d v128)
    (local $lr v128) (local $sign v128) (local $decay v128) (local $mu v128)
    (local $oneMinusDampening v128) (local $nesterov i32)
    (local.set $lr (v128.load32_splat offset=0 (i32.const 0)))
    (local.set $sign (v128.load32_splat offset=4 (i32.const 0)))
    (local.set $decay (v128.load32_splat offset=8 (i32.const 0)))
    (local.set $mu (v128.load32_splat offset=12 (i32.const 0)))
    (local.set $oneMinusDampening (v128.load32_splat offset=16 (i32.const 0)))
    (local.set $nesterov (f32.ne (f32.load offset=20 (i32.const 0)) (f32.const 0)))
    (local.set $end (call $byteLength (local.get $n)))
    (if (i32.eqz (local.get $end)) (then (return)))
    (loop $vectors
      (local.set $th (v128.load (i32.add (local.get $theta) (local.get $at))))
      (local.set $g (f32x4.add
        (f32x4.mul (local.get $sign) (v128.load (i32.add (local.get $grad) (local.get $at))))
        (f32x4.mul (local.get $decay) (local.get $th))))
      (local.set $b (f32x4.add
        (f32x4.mul (local.get $mu) (v128.load (i32.add (local.get $s0) (local.get $at))))
        (f32x4.mul (local.get $oneMinusDampening) (local.get $g))))
      (v128.store (i32.add (local.get $s0) (local.get $at)) (local.get $b))
      (local.set $d (local.get $b))
      (if (local.get $nesterov)
        (then (local.set $d (f32x4.add (local.get $g) (f32x4.mul (local.get $mu) (local.get $b))))))
      (v128.store (i32.add (local.get $theta) (local.get $at))
        (f32x4.sub (local.get $th) (f32x4.mul (local.get $lr) (local.get $d))))
      (local.set $at (i32.add (local.get $at) (i32.const 16)))
      (br_if $vectors (i32.lt_u (local.get $at) (local.get $end)))))

  ;; Adagrad: s ← s + g²; θ ← θ − η_t·g / (√s + ε).
  ;; s0: sum
  ;; coefficients: 0 η_t (η after lrDecay), 1 sign, 2 λ, 3 ε
  (func (export "adagrad")
    (param $theta i32) (param $grad i32) (param $s0 i32) (param $s1 i32) (param $s2 i32) (param $n i32)
    (local $at i32) (local $end i32) (local $g v128) (local $th v128) (local $s v128)
    (local $lr v128) (local $sign v128) (local $decay v128) (local $eps v128)
    (local.set $lr (v128.load32_splat offset=0 (i32.const 0)))
    (local.set $sign (v128.load32_splat offset=4 (i32.const 0)))
    (local.set $decay (v128.load32_splat offset=8 (i32.const 0)))
    (local.set $eps (v128.load32_splat offset=12 (i32.const 0)))
    (local.set $end (call $byteLength (local.get $n)))
    (if (i32.eqz (local.get $end)) (then (return)))
    (loop $vectors
      (local.set $th (v128.load (i32.add (local.get $theta) (local.get $at))))
      (local.set $g (f32x4.add
        (f32x4.mul (local.get $sign) (v128.load (i32.add (local.get $grad) (local.get $at))))
        (f32x4.mul (local.get $decay) (local.get $th))))
      (local.set $s (f32x4.add
        (v128.load (i32.add (local.get $s0) (local.get $at)))
        (f32x4.mul (local.get $g) (local.get $g))))
      (v128.store (i32.add (local.get $s0) (local.get $at)) (local.get $s))
      (v128.store (i32.add (local.get $theta) (local.get $at))
        (f32x4.sub (local.get $th)
          (f32x4.div
            (f32x4.mul (local.get $lr) (local.get $g))
            (f32x4.add (f32x4.sqrt (local.get $s)) (local.get $eps)))))
      (local.set $at (i32.add (local.get $at) (i32.const 16)))
      (br_if $vectors (i32.lt_u (local.get $at) (local.get $end)))))

  ;; Adadelta: v ← ρ·v + (1 − ρ)·g²; Δ = √((u + ε) / (v + ε))·g;
  ;; u ← ρ·u + (1 − ρ)·Δ²; θ ← θ − η·Δ.
  ;; One root of the quotient replaces the reference's quotient of two roots.
  ;; s0: v, s1: u
  ;; coefficients: 0 η, 1 sign, 2 λ, 3 ρ, 4 1 − ρ, 5 ε
  (func (export "adadelta")
    (param $theta i32) (param $grad i32) (param $s0 i32) (param $s1 i32) (param $s2 i32) (param $n i32)
    (local $at i32) (local $end i32) (local $g v128) (local $th v128) (local $v v128) (local $u v128)
    (local $delta v128)
    (local $lr v128) (local $sign v128) (local $decay v128) (local $rho v128) (local $oneMinusRho v128)
    (local $eps v128)
    (local.set $lr (v128.load32_splat offset=0 (i32.const 0)))
    (local.set $sign (v128.load32_splat offset=4 (i32.const 0)))
    (local.set $decay (v128.load32_splat offset=8 (i32.const 0)))
    (local.set $rho (v128.load32_splat offset=12 (i32.const 0)))
    (local.set $oneMinusRho (v128.load32_splat offset=16 (i32.const 0)))
    (local.set $eps (v128.load32_splat offset=20 (i32.const 0)))
    (local.set $end (call $byteLength (local.get $n)))
    (if (i32.eqz (local.get $end)) (then (return)))
    (loop $vectors
      (local.set $th (v128.load (i32.add (local.get $theta) (local.get $at))))
      (local.set $g (f32x4.add
        (f32x4.mul (local.get $sign) (v128.load (i32.add (local.get $grad) (local.get $at))))
        (f32x4.mul (local.get $decay) (local.get $th))))
      (local.set $v (f32x4.add
        (f32x4.mul (local.get $rho) (v128.load (i32.add (local.get $s0) (local.get $at))))
        (f32x4.mul (f32x4.mul (local.get $oneMinusRho) (local.get $g)) (local.get $g))))
      (v128.store (i32.add (local.get $s0) (local.get $at)) (local.get $v))
      (local.set $u (v128.load (i32.add (local.get $s1) (local.get $at))))
      (local.set $delta (f32x4.mul
        (f32x4.sqrt (f32x4.div
          (f32x4.add (local.get $u) (local.get $eps))
          (f32x4.add (local.get $v) (local.get $eps))))
        (local.get $g)))
      (v128.store (i32.add (local.get $s1) (local.get $at))
        (f32x4.add
          (f32x4.mul (local.get $rho) (local.get $u))
          (f32x4.mul (f32x4.mul (local.get $oneMinusRho) (local.get $delta)) (local.get $delta))))
      (v128.store (i32.add (local.get $theta) (local.get $at))
        (f32x4.sub (local.get $th) (f32x4.mul (local.get $lr) (local.get $delta))))
      (local.set $at (i32.add (local.get $at) (i32.const 16)))
      (br_if $vectors (i32.lt_u (local.get $at) (local.get $end)))))

  ;; RMSprop: v ← α·v + (1 − α)·g²;
  ;; centered: a ← α·a + (1 − α)·g, D = √max(v − a², 0) + ε; otherwise D = √v + ε;
  ;; with momentum: b ← μ·b + g/D, θ ← θ − η·b; otherwise θ ← θ − η·g/D.
  ;; s0: v, s1: gradAvg (centered only), s2: momentum buffer (momentum only)
  ;; coefficients: 0 η, 1 sign, 2 λ, 3 α, 4 1 − α, 5 ε, 6 μ, 7 centered (1 or 0),
  ;;   8 momentum (1 or 0)
  (func (export "rmsprop")
    (param $theta i32) (param $grad i32) (param $s0 i32) (param $s1 i32) (param $s2 i32) (param $n i32)
    (local $at i32) (local $end i32) (local $g v128) (local $th v128) (local $v v128) (local $a v128)
    (local $d v128) (local $b v128)
    (local $lr v128) (local $sign v128) (local $decay v128) (local $alpha v128)
    (local $oneMinusAlpha v128) (local $eps v128) (local $mu v128)
    (local $centered i32) (local $momentum i32)
    (local.set $lr (v128.load32_splat offset=0 (i32.const 0)))
    (local.set $sign (v128.load32_splat offset=4 (i32.const 0)))
    (local.set $decay (v128.load32_splat offset=8 (i32.const 0)))
    (local.set $alpha (v128.load32_splat offset=12 (i32.const 0)))
    (local.set $oneMinusAlpha (v128.load32_splat offset=16 (i32.const 0)))
    (local.set $eps (v128.load32_splat offset=20 (i32.const 0)))
    (local.set $mu (v128.load32_splat offset=24 (i32.const 0)))
    (local.set $centered (f32.ne (f32.load offset=28 (i32.const 0)) (f32.const 0)))
    (local.set $momentum (f32.ne (f32.load offset=32 (i32.const 0)) (f32.const 0)))
    (local.set $end (call $byteLength (local.get $n)))
    (if (i32.eqz (local.get $end)) (then (return)))
    (loop $vectors
      (local.set $th (v128.load (i32.add (local.get $theta) (local.get $at))))
      (local.set $g (f32x4.add
        (f32x4.mul (local.get $sign) (v128.load (i32.add (local.get $grad) (local.get $at))))
        (f32x4.mul (local.get $decay) (local.get $th))))
      (local.set $v (f32x4.add
        (f32x4.mul (local.get $alpha) (v128.load (i32.add (local.get $s0) (local.get $at))))
        (f32x4.mul (f32x4.mul (local.get $oneMinusAlpha) (local.get $g)) (local.get $g))))
      (v128.store (i32.add (local.get $s0) (local.get $at)) (local.get $v))
      (if (local.get $centered)
        (then
          (local.set $a (f32x4.add
            (f32x4.mul (local.get $alpha) (v128.load (i32.add (local.get $s1) (local.get $at))))
            (f32x4.mul (local.get $oneMinusAlpha) (local.get $g))))
          (v128.store (i32.add (local.get $s1) (local.get $at)) (local.get $a))
          (local.set $d (f32x4.add
            (f32x4.sqrt (f32x4.max
              (f32x4.sub (local.get $v) (f32x4.mul (local.get $a) (local.get $a)))
              (v128.const f32x4 0 0 0 0)))
            (local.get $eps))))
        (else
          (local.set $d (f32x4.add (f32x4.sqrt (local.get $v)) (local.get $eps)))))
      (if (local.get $momentum)
        (then
          (local.set $b (f32x4.add
            (f32x4.mul (local.get $mu) (v128.load (i32.add (local.get $s2) (local.get $at))))
            (f32x4.div (local.get $g) (local.get $d))))
          (v128.store (i32.add (local.get $s2) (local.get $at)) (local.get $b))
          (v128.store (i32.add (local.get $theta) (local.get $at))
            (f32x4.sub (local.get $th) (f32x4.mul (local.get $lr) (local.get $b)))))
        (else
          (v128.store (i32.add (local.get $theta) (local.get $at))
            (f32x4.sub (local.get $th)
              (f32x4.div (f32x4.mul (local.get $lr) (local.get $g)) (local.get $d))))))
      (local.set $at (i32.add (local.get $at) (i32.const 16)))
      (br_if $vectors (i32.lt_u (local.get $at) (local.get $end)))))

  ;; Adam, AdamW and AMSGrad: θ₀ = θ·shrink; g ← sign·g + λ·θ₀;
  ;; m ← β1·m + (1 − β1)·g; v ← β2·v + (1 − β2)·g²; with amsgrad vMax ← max(vMax, v)
  ;; is used in place of v; θ ← θ₀ − (η/c1)·m / (√v·(1/√c2) + ε).
  ;; AdamW passes shrink = 1 − η·λ and λ = 0; Adam passes shrink = 1.
  ;; s0: m, s1: v, s2: vMax (amsgrad only)
  ;; coefficients: 0 η/c1, 1 β1, 2 1 − β1, 3 β2, 4 1 − β2, 5 1/√c2, 6 ε, 7 sign, 8 λ,
  ;;   9 shrink, 10 amsgrad (1 or 0)
  (func (export "adam")
    (param $theta i32) (param $grad i32) (param $s0 i32) (param $s1 i32) (param $s2 i32) (param $n i32)
    (local $at i32) (local $end i32) (local $g v128) (local $th v128) (local $m v128) (local $v v128)
    (local $stepSize v128) (local $beta1 v128) (local $oneMinusBeta1 v128) (local $beta2 v128)
    (local $oneMinusBeta2 v128) (local $invSqrtC2 v128) (local $eps v128) (local $sign v128)
    (local $decay v128) (local $shrink v128) (local $amsgrad i32)
    (local.set $stepSize (v128.load32_splat offset=0 (i32.const 0)))
    (local.set $beta1 (v128.load32_splat offset=4 (i32.const 0)))
    (local.set $oneMinusBeta1 (v128.load32_splat offset=8 (i32.const 0)))
    (local.set $beta2 (v128.load32_splat offset=12 (i32.const 0)))
    (local.set $oneMinusBeta2 (v128.load32_splat offset=16 (i32.const 0)))
    (local.set $invSqrtC2 (v128.load32_splat offset=20 (i32.const 0)))
    (local.set $eps (v128.load32_splat offset=24 (i32.const 0)))
    (local.set $sign (v128.load32_splat offset=28 (i32.const 0)))
    (local.set $decay (v128.load32_splat offset=32 (i32.const 0)))
    (local.set $shrink (v128.load32_splat offset=36 (i32.const 0)))
    (local.set $amsgrad (f32.ne (f32.load offset=40 (i32.const 0)) (f32.const 0)))
    (local.set $end (call $byteLength (local.get $n)))
    (if (i32.eqz (local.get $end)) (then (return)))
    (loop $vectors
      (local.set $th (f32x4.mul (local.get $shrink) (v128.load (i32.add (local.get $theta) (local.get $at)))))
      (local.set $g (f32x4.add
        (f32x4.mul (local.get $sign) (v128.load (i32.add (local.get $grad) (local.get $at))))
        (f32x4.mul (local.get $decay) (local.get $th))))
      (local.set $m (f32x4.add
        (f32x4.mul (local.get $beta1) (v128.load (i32.add (local.get $s0) (local.get $at))))
        (f32x4.mul (local.get $oneMinusBeta1) (local.get $g))))
      (local.set $v (f32x4.add
        (f32x4.mul (local.get $beta2) (v128.load (i32.add (local.get $s1) (local.get $at))))
        (f32x4.mul (f32x4.mul (local.get $oneMinusBeta2) (local.get $g)) (local.get $g))))
      (v128.store (i32.add (local.get $s0) (local.get $at)) (local.get $m))
      (v128.store (i32.add (local.get $s1) (local.get $at)) (local.get $v))
      (if (local.get $amsgrad)
        (then
          (local.set $v (f32x4.max (v128.load (i32.add (local.get $s2) (local.get $at))) (local.get $v)))
          (v128.store (i32.add (local.get $s2) (local.get $at)) (local.get $v))))
      (v128.store (i32.add (local.get $theta) (local.get $at))
        (f32x4.sub (local.get $th)
          (f32x4.div
            (f32x4.mul (local.get $stepSize) (local.get $m))
            (f32x4.add (f32x4.mul (f32x4.sqrt (local.get $v)) (local.get $invSqrtC2)) (local.get $eps)))))
      (local.set $at (i32.add (local.get $at) (i32.const 16)))
      (br_if $vectors (i32.lt_u (local.get $at) (local.get $end)))))

  ;; Adamax: m ← β1·m + (1 − β1)·g; u ← max(β2·u, |g| + ε); θ ← θ − (η/c1)·m/u.
  ;; s0: m, s1: u
  ;; coefficients: 0 η/c1, 1 β1, 2 1 − β1, 3 β2, 4 ε, 5 sign, 6 λ
  (func (export "adamax")
    (param $theta i32) (param $grad i32) (param $s0 i32) (param $s1 i32) (param $s2 i32) (param $n i32)
    (local $at i32) (local $end i32) (local $g v128) (local $th v128) (local $m v128) (local $u v128)
    (local $stepSize v128) (local $beta1 v128) (local $oneMinusBeta1 v128) (local $beta2 v128)
    (local $eps v128) (local $sign v128) (local $decay v128)
    (local.set $stepSize (v128.load32_splat offset=0 (i32.const 0)))
    (local.set $beta1 (v128.load32_splat offset=4 (i32.const 0)))
    (local.set $oneMinusBeta1 (v128.load32_splat offset=8 (i32.const 0)))
    (local.set $beta2 (v128.load32_splat offset=12 (i32.const 0)))
    (local.set $eps (v128.load32_splat offset=16 (i32.const 0)))
    (local.set $sign (v128.load32_splat offset=20 (i32.const 0)))
    (local.set $decay (v128.load32_splat offset=24 (i32.const 0)))
    (local.set $end (call $byteLength (local.get $n)))
    (if (i32.eqz (local.get $end)) (then (return)))
    (loop $vectors
      (local.set $th (v128.load (i32.add (local.get $theta) (local.get $at))))
      (local.set $g (f32x4.add
        (f32x4.mul (local.get $sign) (v128.load (i32.add (local.get $grad) (local.get $at))))
        (f32x4.mul (local.get $decay) (local.get $th))))
      (local.set $m (f32x4.add
        (f32x4.mul (local.get $beta1) (v128.load (i32.add (local.get $s0) (local.get $at))))
        (f32x4.mul (local.get $oneMinusBeta1) (local.get $g))))
      (local.set $u (f32x4.max
        (f32x4.mul (local.get $beta2) (v128.load (i32.add (local.get $s1) (local.get $at))))
        (f32x4.add (f32x4.abs (local.get $g)) (local.get $eps))))
      (v128.store (i32.add (local.get $s0) (local.get $at)) (local.get $m))
      (v128.store (i32.add (local.get $s1) (local.get $at)) (local.get $u))
      (v128.store (i32.add (local.get $theta) (local.get $at))
        (f32x4.sub (local.get $th)
          (f32x4.div (f32x4.mul (local.get $stepSize) (local.get $m)) (local.get $u))))
      (local.set $at (i32.add (local.get $at) (i32.const 16)))
      (br_if $vectors (i32.lt_u (local.get $at) (local.get $end)))))

  ;; NAdam: θ₀ = θ·shrink; m and v as Adam; D = √v·(1/√c2) + ε;
  ;; θ ← θ₀ − (c_g·g + c_m·m) / D, one division in place of the reference's two.
  ;; s0: m, s1: v
  ;; coefficients: 0 c_g = η(1 − μₜ)/(1 − P), 1 c_m = η·μₜ₊₁/(1 − P·μₜ₊₁), 2 β1, 3 1 − β1,
  ;;   4 β2, 5 1 − β2, 6 1/√c2, 7 ε, 8 sign, 9 λ, 10 shrink
  (func (export "nadam")
    (param $theta i32) (param $grad i32) (param $s0 i32) (param $s1 i32) (param $s2 i32) (param $n i32)
    (local $at i32) (local $end i32) (local $g v128) (local $th v128) (local $m v128) (local $v v128)
    (local $gradCoef v128) (local $momentCoef v128) (local $beta1 v128) (local $oneMinusBeta1 v128)
    (local $beta2 v128) (local $oneMinusBeta2 v128) (local $invSqrtC2 v128) (local $eps v128)
    (local $sign v128) (local $decay v128) (local $shrink v128)
    (local.set $gradCoef (v128.load32_splat offset=0 (i32.const 0)))
    (local.set $momentCoef (v128.load32_splat offset=4 (i32.const 0)))
    (local.set $beta1 (v128.load32_splat offset=8 (i32.const 0)))
    (local.set $oneMinusBeta1 (v128.load32_splat offset=12 (i32.const 0)))
    (local.set $beta2 (v128.load32_splat offset=16 (i32.const 0)))
    (local.set $oneMinusBeta2 (v128.load32_splat offset=20 (i32.const 0)))
    (local.set $invSqrtC2 (v128.load32_splat offset=24 (i32.const 0)))
    (local.set $eps (v128.load32_splat offset=28 (i32.const 0)))
    (local.set $sign (v128.load32_splat offset=32 (i32.const 0)))
    (local.set $decay (v128.load32_splat offset=36 (i32.const 0)))
    (local.set $shrink (v128.load32_splat offset=40 (i32.const 0)))
    (local.set $end (call $byteLength (local.get $n)))
    (if (i32.eqz (local.get $end)) (then (return)))
    (loop $vectors
      (local.set $th (f32x4.mul (local.get $shrink) (v128.load (i32.add (local.get $theta) (local.get $at)))))
      (local.set $g (f32x4.add
        (f32x4.mul (local.get $sign) (v128.load (i32.add (local.get $grad) (local.get $at))))
        (f32x4.mul (local.get $decay) (local.get $th))))
      (local.set $m (f32x4.add
        (f32x4.mul (local.get $beta1) (v128.load (i32.add (local.get $s0) (local.get $at))))
        (f32x4.mul (local.get $oneMinusBeta1) (local.get $g))))
      (local.set $v (f32x4.add
        (f32x4.mul (local.get $beta2) (v128.load (i32.add (local.get $s1) (local.get $at))))
        (f32x4.mul (f32x4.mul (local.get $oneMinusBeta2) (local.get $g)) (local.get $g))))
      (v128.store (i32.add (local.get $s0) (local.get $at)) (local.get $m))
      (v128.store (i32.add (local.get $s1) (local.get $at)) (local.get $v))
      (v128.store (i32.add (local.get $theta) (local.get $at))
        (f32x4.sub (local.get $th)
          (f32x4.div
            (f32x4.add
              (f32x4.mul (local.get $gradCoef) (local.get $g))
              (f32x4.mul (local.get $momentCoef) (local.get $m)))
            (f32x4.add (f32x4.mul (f32x4.sqrt (local.get $v)) (local.get $invSqrtC2)) (local.get $eps)))))
      (local.set $at (i32.add (local.get $at) (i32.const 16)))
      (br_if $vectors (i32.lt_u (local.get $at) (local.get $end)))))

  ;; RAdam: θ₀ = θ·shrink; m and v as Adam; rectified steps: θ ← θ₀ − c_r·m / (√v + ε)
  ;; with c_r = η·r·√c2/c1; earlier steps: θ ← θ₀ − (η/c1)·m.
  ;; s0: m, s1: v
  ;; coefficients: 0 rectified (1 or 0), 1 c_r, 2 η/c1, 3 β1, 4 1 − β1, 5 β2, 6 1 − β2,
  ;;   7 ε, 8 sign, 9 λ, 10 shrink
  (func (export "radam")
    (param $theta i32) (param $grad i32) (param $s0 i32) (param $s1 i32) (param $s2 i32) (param $n i32)
    (local $at i32) (local $end i32) (local $g v128) (local $th v128) (local $m v128) (local $v v128)
    (local $rectified i32) (local $rectifiedCoef v128) (local $plainCoef v128) (local $beta1 v128)
    (local $oneMinusBeta1 v128) (local $beta2 v128) (local $oneMinusBeta2 v128) (local $eps v128)
    (local $sign v128) (local $decay v128) (local $shrink v128)
    (local.set $rectified (f32.ne (f32.load offset=0 (i32.const 0)) (f32.const 0)))
    (local.set $rectifiedCoef (v128.load32_splat offset=4 (i32.const 0)))
    (local.set $plainCoef (v128.load32_splat offset=8 (i32.const 0)))
    (local.set $beta1 (v128.load32_splat offset=12 (i32.const 0)))
    (local.set $oneMinusBeta1 (v128.load32_splat offset=16 (i32.const 0)))
    (local.set $beta2 (v128.load32_splat offset=20 (i32.const 0)))
    (local.set $oneMinusBeta2 (v128.load32_splat offset=24 (i32.const 0)))
    (local.set $eps (v128.load32_splat offset=28 (i32.const 0)))
    (local.set $sign (v128.load32_splat offset=32 (i32.const 0)))
    (local.set $decay (v128.load32_splat offset=36 (i32.const 0)))
    (local.set $shrink (v128.load32_splat offset=40 (i32.const 0)))
    (local.set $end (call $byteLength (local.get $n)))
    (if (i32.eqz (local.get $end)) (then (return)))
    (loop $vectors
      (local.set $th (f32x4.mul (local.get $shrink) (v128.load (i32.add (local.get $theta) (local.get $at)))))
      (local.set $g (f32x4.add
        (f32x4.mul (local.get $sign) (v128.load (i32.add (local.get $grad) (local.get $at))))
        (f32x4.mul (local.get $decay) (local.get $th))))
      (local.set $m (f32x4.add
        (f32x4.mul (local.get $beta1) (v128.load (i32.add (local.get $s0) (local.get $at))))
        (f32x4.mul (local.get $oneMinusBeta1) (local.get $g))))
      (local.set $v (f32x4.add
        (f32x4.mul (local.get $beta2) (v128.load (i32.add (local.get $s1) (local.get $at))))
        (f32x4.mul (f32x4.mul (local.get $oneMinusBeta2) (local.get $g)) (local.get $g))))
      (v128.store (i32.add (local.get $s0) (local.get $at)) (local.get $m))
      (v128.store (i32.add (local.get $s1) (local.get $at)) (local.get $v))
      (if (local.get $rectified)
        (then
          (v128.store (i32.add (local.get $theta) (local.get $at))
            (f32x4.sub (local.get $th)
              (f32x4.div
                (f32x4.mul (local.get $rectifiedCoef) (local.get $m))
                (f32x4.add (f32x4.sqrt (local.get $v)) (local.get $eps))))))
        (else
          (v128.store (i32.add (local.get $theta) (local.get $at))
            (f32x4.sub (local.get $th) (f32x4.mul (local.get $plainCoef) (local.get $m))))))
      (local.set $at (i32.add (local.get $at) (i32.const 16)))
      (br_if $vectors (i32.lt_u (local.get $at) (local.get $end)))))

  ;; AdaBound, AMSBound and AdaBoundW: m and v as Adam (vMax with amsbound);
  ;; s = clip((η·√c2/c1) / (√v + ε), lower, upper); θ ← θ − (s·m + λ_w·θ).
  ;; AdaBoundW passes λ = 0 and its decay as λ_w; the others pass λ_w = 0.
  ;; s0: m, s1: v, s2: vMax (amsbound only)
  ;; coefficients: 0 η·√c2/c1, 1 β1, 2 1 − β1, 3 β2, 4 1 − β2, 5 ε, 6 lower, 7 upper,
  ;;   8 sign, 9 λ, 10 λ_w, 11 amsbound (1 or 0)
  (func (export "adabound")
    (param $theta i32) (param $grad i32) (param $s0 i32) (param $s1 i32) (param $s2 i32) (param $n i32)
    (local $at i32) (local $end i32) (local $g v128) (local $th v128) (local $m v128) (local $v v128)
    (local $size v128)
    (local $stepSize v128) (local $beta1 v128) (local $oneMinusBeta1 v128) (local $beta2 v128)
    (local $oneMinusBeta2 v128) (local $eps v128) (local $lower v128) (local $upper v128)
    (local $sign v128) (local $decay v128) (local $decoupled v128) (local $amsbound i32)
    (local.set $stepSize (v128.load32_splat offset=0 (i32.const 0)))
    (local.set $beta1 (v128.load32_splat offset=4 (i32.const 0)))
    (local.set $oneMinusBeta1 (v128.load32_splat offset=8 (i32.const 0)))
    (local.set $beta2 (v128.load32_splat offset=12 (i32.const 0)))
    (local.set $oneMinusBeta2 (v128.load32_splat offset=16 (i32.const 0)))
    (local.set $eps (v128.load32_splat offset=20 (i32.const 0)))
    (local.set $lower (v128.load32_splat offset=24 (i32.const 0)))
    (local.set $upper (v128.load32_splat offset=28 (i32.const 0)))
    (local.set $sign (v128.load32_splat offset=32 (i32.const 0)))
    (local.set $decay (v128.load32_splat offset=36 (i32.const 0)))
    (local.set $decoupled (v128.load32_splat offset=40 (i32.const 0)))
    (local.set $amsbound (f32.ne (f32.load offset=44 (i32.const 0)) (f32.const 0)))
    (local.set $end (call $byteLength (local.get $n)))
    (if (i32.eqz (local.get $end)) (then (return)))
    (loop $vectors
      (local.set $th (v128.load (i32.add (local.get $theta) (local.get $at))))
      (local.set $g (f32x4.add
        (f32x4.mul (local.get $sign) (v128.load (i32.add (local.get $grad) (local.get $at))))
        (f32x4.mul (local.get $decay) (local.get $th))))
      (local.set $m (f32x4.add
        (f32x4.mul (local.get $beta1) (v128.load (i32.add (local.get $s0) (local.get $at))))
        (f32x4.mul (local.get $oneMinusBeta1) (local.get $g))))
      (local.set $v (f32x4.add
        (f32x4.mul (local.get $beta2) (v128.load (i32.add (local.get $s1) (local.get $at))))
        (f32x4.mul (f32x4.mul (local.get $oneMinusBeta2) (local.get $g)) (local.get $g))))
      (v128.store (i32.add (local.get $s0) (local.get $at)) (local.get $m))
      (v128.store (i32.add (local.get $s1) (local.get $at)) (local.get $v))
      (if (local.get $amsbound)
        (then
          (local.set $v (f32x4.max (v128.load (i32.add (local.get $s2) (local.get $at))) (local.get $v)))
          (v128.store (i32.add (local.get $s2) (local.get $at)) (local.get $v))))
      ;; pmax(x, lower) is x < lower ? lower : x, and pmin(x, upper) is
      ;; upper < x ? upper : x: one instruction each, where max and min need
      ;; several. With x first, a NaN x passes through both, as it does
      ;; through Math.max and Math.min.
      (local.set $size (f32x4.pmin
        (f32x4.pmax
          (f32x4.div (local.get $stepSize) (f32x4.add (f32x4.sqrt (local.get $v)) (local.get $eps)))
          (local.get $lower))
        (local.get $upper)))
      (v128.store (i32.add (local.get $theta) (local.get $at))
        (f32x4.sub (local.get $th)
          (f32x4.add
            (f32x4.mul (local.get $size) (local.get $m))
            (f32x4.mul (local.get $decoupled) (local.get $th)))))
      (local.set $at (i32.add (local.get $at) (i32.const 16)))
      (br_if $vectors (i32.lt_u (local.get $at) (local.get $end)))))

  ;; Streaming passes for the benchmark: each reads grad and reads and writes
  ;; theta and the first `k` state buffers (stream_k), exactly the arrays an
  ;; update with k buffers touches, with one multiply-add per element. The
  ;; values change by 0·g, so with coefficient 0 set to 0 they stay as they are.
  ;; coefficients: 0 scale of g (0 keeps every value)
  (func (export "stream_0")
    (param $theta i32) (param $grad i32) (param $s0 i32) (param $s1 i32) (param $s2 i32) (param $n i32)
    (local $at i32) (local $end i32) (local $g v128) (local $scale v128)
    (local.set $scale (v128.load32_splat offset=0 (i32.const 0)))
    (local.set $end (call $byteLength (local.get $n)))
    (if (i32.eqz (local.get $end)) (then (return)))
    (loop $vectors
      (local.set $g (f32x4.mul (local.get $scale) (v128.load (i32.add (local.get $grad) (local.get $at)))))
      (v128.store (i32.add (local.get $theta) (local.get $at))
        (f32x4.add (v128.load (i32.add (local.get $theta) (local.get $at))) (local.get $g)))
      (local.set $at (i32.add (local.get $at) (i32.const 16)))
      (br_if $vectors (i32.lt_u (local.get $at) (local.get $end)))))

  (func (export "stream_1")
    (param $theta i32) (param $grad i32) (param $s0 i32) (param $s1 i32) (param $s2 i32) (param $n i32)
    (local $at i32) (local $end i32) (local $g v128) (local $scale v128)
    (local.set $scale (v128.load32_splat offset=0 (i32.const 0)))
    (local.set $end (call $byteLength (local.get $n)))
    (if (i32.eqz (local.get $end)) (then (return)))
    (loop $vectors
      (local.set $g (f32x4.mul (local.get $scale) (v128.load (i32.add (local.get $grad) (local.get $at)))))
      (v128.store (i32.add (local.get $theta) (local.get $at))
        (f32x4.add (v128.load (i32.add (local.get $theta) (local.get $at))) (local.get $g)))
      (v128.store (i32.add (local.get $s0) (local.get $at))
        (f32x4.add (v128.load (i32.add (local.get $s0) (local.get $at))) (local.get $g)))
      (local.set $at (i32.add (local.get $at) (i32.const 16)))
      (br_if $vectors (i32.lt_u (local.get $at) (local.get $end)))))

  (func (export "stream_2")
    (param $theta i32) (param $grad i32) (param $s0 i32) (param $s1 i32) (param $s2 i32) (param $n i32)
    (local $at i32) (local $end i32) (local $g v128) (local $scale v128)
    (local.set $scale (v128.load32_splat offset=0 (i32.const 0)))
    (local.set $end (call $byteLength (local.get $n)))
    (if (i32.eqz (local.get $end)) (then (return)))
    (loop $vectors
      (local.set $g (f32x4.mul (local.get $scale) (v128.load (i32.add (local.get $grad) (local.get $at)))))
      (v128.store (i32.add (local.get $theta) (local.get $at))
        (f32x4.add (v128.load (i32.add (local.get $theta) (local.get $at))) (local.get $g)))
      (v128.store (i32.add (local.get $s0) (local.get $at))
        (f32x4.add (v128.load (i32.add (local.get $s0) (local.get $at))) (local.get $g)))
      (v128.store (i32.add (local.get $s1) (local.get $at))
        (f32x4.add (v128.load (i32.add (local.get $s1) (local.get $at))) (local.get $g)))
      (local.set $at (i32.add (local.get $at) (i32.const 16)))
      (br_if $vectors (i32.lt_u (local.get $at) (local.get $end)))))

  (func (export "stream_3")
    (param $theta i32) (param $grad i32) (param $s0 i32) (param $s1 i32) (param $s2 i32) (param $n i32)
    (local $at i32) (local $end i32) (local $g v128) (local $scale v128)
    (local.set $scale (v128.load32_splat offset=0 (i32.const 0)))
    (local.set $end (call $byteLength (local.get $n)))
    (if (i32.eqz (local.get $end)) (then (return)))
    (loop $vectors
      (local.set $g (f32x4.mul (local.get $scale) (v128.load (i32.add (local.get $grad) (local.get $at)))))
      (v128.store (i32.add (local.get $theta) (local.get $at))
        (f32x4.add (v128.load (i32.add (local.get $theta) (local.get $at))) (local.get $g)))
      (v128.store (i32.add (local.get $s0) (local.get $at))
        (f32x4.add (v128.load (i32.add (local.get $s0) (local.get $at))) (local.get $g)))
      (v128.store (i32.add (local.get $s1) (local.get $at))
        (f32x4.add (v128.load (i32.add (local.get $s1) (local.get $at))) (local.get $g)))
      (v128.store (i32.add (local.get $s2) (local.get $at))
        (f32x4.add (v128.load (i32.add (local.get $s2) (local.get $at))) (local.get $g)))
      (local.set $at (i32.add (local.get $at) (i32.const 16)))
      (br_if $vectors (i32.lt_u (local.get $at) (local.get $end)))))

  ;; For the benchmark: θ ← s0 / √s1 element by element, one square root and
  ;; one division per element and nothing else. Timed over arrays in the L1
  ;; cache, it measures the throughput of the unit that every kernel with a
  ;; root and a quotient waits on. θ changes, s0 and s1 stay as they are.
  (func (export "root_divide")
    (param $theta i32) (param $grad i32) (param $s0 i32) (param $s1 i32) (param $s2 i32) (param $n i32)
    (local $at i32) (local $end i32)
    (local.set $end (call $byteLength (local.get $n)))
    (if (i32.eqz (local.get $end)) (then (return)))
    (loop $vectors
      (v128.store (i32.add (local.get $theta) (local.get $at))
        (f32x4.div
          (v128.load (i32.add (local.get $s0) (local.get $at)))
          (f32x4.sqrt (v128.load (i32.add (local.get $s1) (local.get $at))))))
      (local.set $at (i32.add (local.get $at) (i32.const 16)))
      (br_if $vectors (i32.lt_u (local.get $at) (local.get $end)))))

  ;; Returns the index of the first NaN or ±Infinity among the n float32
  ;; values at `values`, or −1. Exactly n elements are read: the caller's
  ;; padding may hold anything. A value is non-finite when all its exponent
  ;; bits are set, so the lane-wise maximum of the masked exponents reaches
  ;; the mask only where one is. The screen walks the two halves of the array
  ;; side by side, 8 values of each per turn, because two streams of reads
  ;; keep more requests in flight than one. From the first flagged turn, or
  ;; past the screened halves, a scalar scan finds the exact index.
  (func (export "first_non_finite") (param $values i32) (param $n i32) (result i32)
    (local $at i32) (local $half i32) (local $second i32) (local $end i32)
    (local $exponent v128) (local $top v128)
    (local.set $exponent (i32x4.splat (i32.const 0x7f800000)))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    ;; Bytes in each half: n / 2 rounded down to a multiple of 8 elements.
    (local.set $half (i32.shl (i32.shr_u (local.get $n) (i32.const 4)) (i32.const 5)))
    (local.set $second (i32.add (local.get $values) (local.get $half)))
    (block $screened
      (if (i32.eqz (local.get $half))
        (then (br $screened)))
      (loop $turns
        (local.set $top (i32x4.max_u
          (i32x4.max_u
            (v128.and (v128.load offset=0 (i32.add (local.get $values) (local.get $at))) (local.get $exponent))
            (v128.and (v128.load offset=16 (i32.add (local.get $values) (local.get $at))) (local.get $exponent)))
          (i32x4.max_u
            (v128.and (v128.load offset=0 (i32.add (local.get $second) (local.get $at))) (local.get $exponent))
            (v128.and (v128.load offset=16 (i32.add (local.get $second) (local.get $at))) (local.get $exponent)))))
        (br_if $screened (v128.any_true (i32x4.eq (local.get $top) (local.get $exponent))))
        (local.set $at (i32.add (local.get $at) (i32.const 32)))
        (br_if $turns (i32.lt_u (local.get $at) (local.get $half))))
      ;; Both halves are clean: continue after them.
      (local.set $at (i32.shl (local.get $half) (i32.const 1))))
    ;; Everything before $at is finite, in the first half and (when a turn
    ;; was flagged) in the second half's matching part too, so the first
    ;; non-finite value from $at on is the first of all.
    (block $done
      (loop $scalars
        (br_if $done (i32.ge_u (local.get $at) (local.get $end)))
        (if (i32.eq
              (i32.and (i32.load (i32.add (local.get $values) (local.get $at))) (i32.const 0x7f800000))
              (i32.const 0x7f800000))
          (then (return (i32.shr_u (local.get $at) (i32.const 2)))))
        (local.set $at (i32.add (local.get $at) (i32.const 4)))
        (br $scalars)))
    (i32.const -1))

  ;; Bytes covered by n elements rounded up to whole 4-lane vectors.
  (func $byteLength (param $n i32) (result i32)
    (i32.shl (i32.and (i32.add (local.get $n) (i32.const 3)) (i32.const -4)) (i32.const 2))))
