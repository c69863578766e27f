"""Check answers and claims against the derivations: "is this right, and if not, what is wrong".

For teachers, interviewers and candidates: give the question's data and an answer (text or
SymPy), get a :class:`Verdict` that says whether the answer is right and, when it is not, names
each wrong part and the classic slip behind it (a missing factorial, a flipped sign, the wrong
expansion point, an order off by one, ``1/L`` for ``2/L``, a missing Hessian inverse, a
transposed Jacobian...).

The truth always comes from the project's own engines (:func:`symtaylor.taylor`,
:func:`symtaylor.newton_step`, :func:`symtaylor.convergence_bounds`, :mod:`symtaylor.calculus`).
Two expressions are equal when ``simplify`` of their difference is ``0``; when it is not
conclusive, the difference is evaluated at 50 digits at random points before the answer is
declared wrong (a non-zero value at one point proves it wrong).

The package, one concept per module (each uses only those above it):

===============  ==============================================================================
``records``      :class:`Mistake` and :class:`Verdict`, their text, LaTeX and explanation
``equality``     :func:`equivalent`: equal wherever both are defined (real domain by default):
                 exact first, then 50-digit numbers at points of both signs
``answer_tests`` :data:`ANSWER_TESTS`, :func:`answer_test`: STACK's answer tests (AlgEquiv,
                 FacForm, NumRelative, Int, ...) with answer notes
``answers``      reading the question and the answer (text or LaTeX, decimals exactly as written)
``slips``        ``Slip`` and ``first_slip``: the one search for the classic slip that gives
                 exactly the answer handed in
``reading``      ``notes_how_read``: the reader's notes on a text answer ("read 2x as 2*x") in
                 every checker's verdict
``taylor``       :func:`check_taylor`
``derivatives``  :func:`check_gradient`, :func:`check_hessian`, :func:`check_jacobian`
``steps``        :func:`check_newton_step`, :func:`check_gradient_step`
``step_sizes``   :func:`check_step_size`, :func:`check_max_step`
``remainder``    :func:`check_remainder`, :func:`check_remainder_bound`
``least_squares``  :func:`check_gauss_newton_step`, :func:`check_lm_step`
``quasi_newton``  :func:`check_quasi_newton_update` (BFGS, DFP on B or H, SR1)
``rates``        :func:`check_rate`, :func:`check_condition_number`, :func:`check_optimal_step`
``finite_differences``  :func:`check_fd_truncation`, :func:`check_fd_optimal_step`,
                 :func:`check_stencil_weights`
===============  ==============================================================================

Examples
--------
>>> from symtaylor.verify import check_taylor, check_newton_step
>>> v = check_taylor("exp(x)", "x", at=0, order=3, answer="1 + x + x^2 + x^3")
>>> v.correct
False
>>> for line in v.reasons:
...     print(line)
coefficient of x**2 should be 1/2, not 1 (forgot to divide by 2!)
coefficient of x**3 should be 1/6, not 1 (forgot to divide by 3!)
>>> check_newton_step("x**4 - 2*x**2 + 1/2", "x", answer="2*x**3/(3*x**2 - 1)").correct
True
"""

from .answer_tests import ANSWER_TESTS, AnswerTest, answer_test
from .derivatives import check_gradient, check_hessian, check_jacobian
from .equality import equivalent
from .finite_differences import check_fd_optimal_step, check_fd_truncation, check_stencil_weights
from .least_squares import check_gauss_newton_step, check_lm_step
from .quasi_newton import QUASI_NEWTON_KINDS, check_quasi_newton_update
from .rates import check_condition_number, check_optimal_step, check_rate
from .records import Mistake, Verdict
from .remainder import check_remainder, check_remainder_bound
from .step_sizes import check_max_step, check_step_size
from .steps import check_gradient_step, check_newton_step
from .taylor import check_taylor

__all__ = [
    "ANSWER_TESTS",
    "QUASI_NEWTON_KINDS",
    "AnswerTest",
    "Mistake",
    "Verdict",
    "answer_test",
    "check_condition_number",
    "check_fd_optimal_step",
    "check_fd_truncation",
    "check_gauss_newton_step",
    "check_gradient",
    "check_gradient_step",
    "check_hessian",
    "check_jacobian",
    "check_lm_step",
    "check_max_step",
    "check_newton_step",
    "check_optimal_step",
    "check_quasi_newton_update",
    "check_rate",
    "check_remainder",
    "check_remainder_bound",
    "check_stencil_weights",
    "check_step_size",
    "check_taylor",
    "equivalent",
]
