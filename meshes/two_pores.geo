// A 4 um x 3 um cell with two blocking particles (holes in the mesh) above a flat anode.
// Lengths in um. The boundary of a hole is the curve group 'fillers' (insulating).
W = 4; T = 3;
lc_a = 0.05; lc_b = 0.15; lc_p = 0.04;  // sizes at the anode, in the bulk, on the particles

Point(1) = {0, 0, 0, lc_a};
Point(2) = {W, 0, 0, lc_a};
Point(3) = {W, T, 0, lc_b};
Point(4) = {0, T, 0, lc_b};
Line(1) = {1, 2};  // anode
Line(2) = {2, 3};
Line(3) = {3, 4};  // counter electrode
Line(4) = {4, 1};
Curve Loop(1) = {1, 2, 3, 4};

// particle 1: centre (1.2, 1.2), radius 0.5; particle 2: centre (2.9, 1.9), radius 0.4
Point(10) = {1.2, 1.2, 0, lc_p};
Point(11) = {1.7, 1.2, 0, lc_p};
Point(12) = {1.2, 1.7, 0, lc_p};
Point(13) = {0.7, 1.2, 0, lc_p};
Point(14) = {1.2, 0.7, 0, lc_p};
Circle(11) = {11, 10, 12};
Circle(12) = {12, 10, 13};
Circle(13) = {13, 10, 14};
Circle(14) = {14, 10, 11};
Curve Loop(2) = {11, 12, 13, 14};
Point(20) = {2.9, 1.9, 0, lc_p};
Point(21) = {3.3, 1.9, 0, lc_p};
Point(22) = {2.9, 2.3, 0, lc_p};
Point(23) = {2.5, 1.9, 0, lc_p};
Point(24) = {2.9, 1.5, 0, lc_p};
Circle(21) = {21, 20, 22};
Circle(22) = {22, 20, 23};
Circle(23) = {23, 20, 24};
Circle(24) = {24, 20, 21};
Curve Loop(3) = {21, 22, 23, 24};

Plane Surface(1) = {1, 2, 3};

Physical Surface("electrolyte") = {1};
Physical Curve("anode") = {1};
Physical Curve("counter") = {3};
Physical Curve("left") = {4};
Physical Curve("right") = {2};
Physical Curve("fillers") = {11, 12, 13, 14, 21, 22, 23, 24};
