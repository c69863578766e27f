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
``equality``     :func:`equivalent`: exact first, then 50-digit numbers at random points
``answers``      reading the question and the answer (decimals as exact fractions, the point)
``slips``        ``Slip`` and ``first_slip``: the one search for the classic slip that gives
                 exactly the answer handed in
``taylor``       :func:`check_taylor`
``derivatives``  :func:`check_gradient`, :func:`check_hessian`, :func:`check_jacobian`
``steps``        :func:`check_newton_step`, :func:`check_gradient_step`
``step_sizes``   :func:`check_step_size`, :func:`check_max_step`
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

from .derivatives import check_gradient, check_hessian, check_jacobian
from .equality import equivalent
from .records import Mistake, Verdict
from .step_sizes import check_max_step, check_step_size
from .steps import check_gradient_step, check_newton_step
from .taylor import check_taylor

__all__ = [
    "Mistake",
    "Verdict",
    "check_gradient",
    "check_gradient_step",
    "check_hessian",
    "check_jacobian",
    "check_max_step",
    "check_newton_step",
    "check_step_size",
    "check_taylor",
    "equivalent",
]
